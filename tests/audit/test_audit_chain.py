"""The audit log's hash chain: every kind of tampering is found, and said where, on both
databases; concurrent writers still make one valid chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from audit_support import checked, checkpoint, tamper, write_events
from tipline.audit.models import AuditEvent
from tipline.state import AppState


def _kinds(state: AppState) -> list[tuple[int | None, str]]:
    return [(p.row_id, p.kind) for p in checked(state).problems]


def test_an_untouched_log_verifies(state: AppState) -> None:
    write_events(state, 5, per_act=3)
    result = checked(state)
    assert result.ok, result.problems
    assert (result.rows, result.last_id) == (15, 15)


def test_events_of_a_rolled_back_transaction_are_not_written(state: AppState) -> None:
    write_events(state, 2)
    with pytest.raises(RuntimeError), state.db.transaction() as session:
        write_events_in(session)
        raise RuntimeError("the act failed")
    write_events(state, 1)
    result = checked(state)
    assert result.ok, result.problems
    assert result.rows == 3


def write_events_in(session: object) -> None:
    from tipline.audit.service import Actor, record

    record(session, Actor("user:2"), "case.note", "case", 1)  # type: ignore[arg-type]


def test_concurrent_writers_make_one_valid_chain(state: AppState) -> None:
    threads = [threading.Thread(target=write_events, args=(state, 15, 2, f"user:{n}"))
               for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = checked(state)
    assert result.ok, result.problems
    assert result.rows == 4 * 15 * 2


def test_an_edited_row_is_named(state: AppState) -> None:
    write_events(state, 6)
    tamper(state, "UPDATE audit_events SET actor = 'user:99' WHERE id = 3")
    assert _kinds(state) == [(3, "altered")]


def test_a_deleted_row_is_named(state: AppState) -> None:
    write_events(state, 6)
    tamper(state, "DELETE FROM audit_events WHERE id IN (3, 4)")
    problems = checked(state).problems
    assert [(p.row_id, p.kind) for p in problems] == [(5, "deleted")]
    assert "ids 3 to 4" in problems[0].message


def test_deleting_the_first_rows_is_found(state: AppState) -> None:
    write_events(state, 4)
    tamper(state, "DELETE FROM audit_events WHERE id <= 2")
    assert _kinds(state) == [(3, "deleted")]


def test_a_forged_row_is_found_even_at_the_end(state: AppState) -> None:
    write_events(state, 4)
    with state.db.sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
    # The forger copies the chain's form but not its key.
    tamper(state, "INSERT INTO audit_events (id, at, actor, action, object_type, object_id, "
           "detail, prev_hash, chain_hash) VALUES (5, '2026-01-01 00:00:00', 'user:1', "
           f"'case.note', 'case', '9', '{{}}', '{last.chain_hash}', '{'ab' * 32}')")
    assert _kinds(state) == [(5, "altered")]


def test_reordered_rows_are_found(state: AppState) -> None:
    write_events(state, 5)
    tamper(state, "UPDATE audit_events SET id = 100 WHERE id = 2",
           "UPDATE audit_events SET id = 2 WHERE id = 3",
           "UPDATE audit_events SET id = 3 WHERE id = 100")
    # Both moved rows no longer match their hashes, and the next row no longer follows.
    assert _kinds(state) == [(2, "altered"), (3, "altered"), (4, "inserted")]


def test_a_row_without_a_chain_hash_is_found(state: AppState) -> None:
    write_events(state, 2)
    tamper(state, "INSERT INTO audit_events (id, at, actor, action, object_type, object_id, "
           "detail) VALUES (3, '2026-01-01 00:00:00', 'user:1', 'case.note', 'case', '9', '{}')")
    assert _kinds(state) == [(3, "unchained")]


def test_a_truncated_log_is_found_against_a_checkpoint(state: AppState) -> None:
    write_events(state, 6)
    checkpoint(state)
    tamper(state, "DELETE FROM audit_events WHERE id >= 5")
    problems = checked(state).problems
    assert [(p.row_id, p.kind) for p in problems] == [(6, "truncated")]
    assert "ends at row 4" in problems[0].message


def test_an_emptied_log_is_found_against_a_checkpoint(state: AppState) -> None:
    write_events(state, 3)
    checkpoint(state)
    sql = ("TRUNCATE audit_events" if not state.db.is_sqlite else "DELETE FROM audit_events")
    tamper(state, sql)
    assert _kinds(state) == [(3, "truncated")]


def test_a_forged_checkpoint_is_found(state: AppState) -> None:
    write_events(state, 3)
    checkpoint(state)
    (path,) = state.settings.resolved_audit_checkpoint_dir.glob("checkpoint-*.json")
    path.write_text(path.read_text().replace('"last_id": 3', '"last_id": 2'))
    assert _kinds(state) == [(None, "checkpoint")]


def test_insert_or_replace_on_sqlite_is_found(state: AppState) -> None:
    if not state.db.is_sqlite:
        pytest.skip("SQLite's INSERT OR REPLACE")
    write_events(state, 4)
    # REPLACE deletes the old row without firing the DELETE trigger: the triggers stay on.
    engine = state.db.engine
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT OR REPLACE INTO audit_events (id, at, actor, action, object_type, "
            "object_id, detail, prev_hash, chain_hash) SELECT id, at, 'user:66', action, "
            "object_type, object_id, detail, prev_hash, chain_hash FROM audit_events "
            "WHERE id = 2"))
    assert _kinds(state) == [(2, "altered")]


def test_truncate_on_postgresql_is_refused_then_found(state: AppState) -> None:
    if state.db.is_sqlite:
        pytest.skip("PostgreSQL's TRUNCATE")
    write_events(state, 3)
    checkpoint(state)
    with pytest.raises(Exception, match="append-only"), state.db.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))
    tamper(state, "TRUNCATE audit_events")  # the owner can disable the trigger first
    assert _kinds(state) == [(3, "truncated")]
