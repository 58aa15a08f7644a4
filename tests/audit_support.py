"""Helpers of the audit tests: writing events as tipline does, and tampering with them as
someone holding the database (not tipline's keys) would."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from tipline.audit.chain import keys_for
from tipline.audit.service import Actor, Event, record_all
from tipline.audit.verify import Verification, verify, write_checkpoint
from tipline.state import AppState


def write_events(state: AppState, acts: int, per_act: int = 1, actor: str = "user:1") -> None:
    for act in range(acts):
        with state.db.transaction() as session:
            record_all(session, Actor(actor, "10.0.0.1"), [
                Event("case.note", "case", act, {"n": n, "text": f"act {act}"})
                for n in range(per_act)])


def checked(state: AppState) -> Verification:
    with state.db.sessions() as session:
        return verify(session, keys_for(state.settings), state.settings
                      .resolved_audit_checkpoint_dir)


def checkpoint(state: AppState) -> None:
    with state.db.sessions() as session:
        write_checkpoint(session, keys_for(state.settings),
                         state.settings.resolved_audit_checkpoint_dir)


def tamper(state: AppState, *statements: str) -> None:
    """Run SQL as the table's owner with the append-only triggers out of the way."""
    engine = create_engine(state.settings.resolved_database_url)
    with engine.begin() as conn:
        _triggers(conn, enabled=False)
        for statement in statements:
            conn.execute(text(statement))
        _triggers(conn, enabled=True)
    engine.dispose()


def _triggers(conn: Connection, enabled: bool) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE audit_events {'ENABLE' if enabled else 'DISABLE'} "
                          "TRIGGER USER"))
        return
    for event in ("update", "delete"):
        if enabled:
            conn.execute(text(f"CREATE TRIGGER audit_events_no_{event} BEFORE {event.upper()} "
                              "ON audit_events BEGIN SELECT RAISE(ABORT, 'append-only'); END"))
        else:
            conn.execute(text(f"DROP TRIGGER audit_events_no_{event}"))
