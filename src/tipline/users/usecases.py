"""Staff user use cases for the web entry points: logging in, and the user of a page session."""

from __future__ import annotations

from tipline.db import Database
from tipline.users.models import User
from tipline.users.service import StaffCredentialCache, StaffUser, authenticate, staff_user


def login(db: Database, username: str, password: str,
          cache: StaffCredentialCache) -> StaffUser | None:
    """The active staff user with these credentials, or None (a read: nothing is written)."""
    with db.sessions() as session:
        return authenticate(session, username, password, cache)


def session_user(db: Database, user_id: int) -> StaffUser | None:
    """The user of a page session, read afresh on every page request, so a deactivated user or
    a changed role takes effect at once; None when the user is gone or inactive."""
    with db.sessions() as session:
        user = session.get(User, user_id)
        return staff_user(user) if user is not None and user.active else None
