"""Reporter organisations' API keys, for the administrators' page and `tipline reporters`:
one transaction each, access decided in `tipline.access`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tipline import access
from tipline.audit.service import Actor
from tipline.db import Database
from tipline.errors import NotFound
from tipline.reporters import apikeys, store
from tipline.reporters.apikeys import KeyRow, NewKey
from tipline.users.service import StaffUser


def _admin(session: Session, user: StaffUser | None) -> None:
    if user is not None:  # None: the CLI, run by whoever holds the server's configuration
        access.check_manage_users(access.staff_viewer(session, user))


def list_keys(db: Database, user: StaffUser | None,
              reporter: str | None = None) -> list[KeyRow]:
    with db.sessions() as session:
        _admin(session, user)
        return apikeys.key_rows(session, reporter)


def add_key(db: Database, user: StaffUser | None, actor: Actor, reporter: str, name: str,
            scopes: list[str], days: int, max_days: int) -> NewKey:
    """A new API key for a reporter organisation (by its API username); the key is in the
    answer and nowhere else."""
    with db.transaction() as session:
        _admin(session, user)
        found = store.by_username(session, reporter.strip())
        if found is None or not found.active:
            raise NotFound(f"no active reporter {reporter!r}")
        return apikeys.create_key(session, found, name, scopes, days, max_days, actor)


def revoke_key(db: Database, user: StaffUser | None, actor: Actor, key_id: int) -> None:
    """Revoke a key: its next request is refused (keys are never cached)."""
    with db.transaction() as session:
        _admin(session, user)
        apikeys.revoke_key(session, key_id, actor)
