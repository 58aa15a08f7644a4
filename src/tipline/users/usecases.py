"""Staff user use cases for the web entry points: logging in."""

from __future__ import annotations

from tipline.db import Database
from tipline.users.service import StaffCredentialCache, StaffUser, authenticate


def login(db: Database, username: str, password: str,
          cache: StaffCredentialCache) -> StaffUser | None:
    """The active staff user with these credentials, or None (a read: nothing is written)."""
    with db.sessions() as session:
        return authenticate(session, username, password, cache)
