"""Staff user use cases for the web entry points: logging in, and the user of a page session."""

from __future__ import annotations

from tipline.audit.service import Actor, record
from tipline.db import Database
from tipline.users.models import User
from tipline.users.service import StaffCredentialCache, StaffUser, authenticate, staff_user

ANONYMOUS = "anonymous"  # the actor of a failed login: nobody is authenticated
USERNAME_LOGGED = 200  # the audit log's object id holds at most this much of a username tried


def login(db: Database, username: str, password: str, cache: StaffCredentialCache,
          remote_addr: str | None = None) -> StaffUser | None:
    """The active staff user with these credentials, or None. Both are audited: `staff.login`
    by the user, `staff.login_failed` by nobody on the username tried (the same event whether
    the username exists or not, so the log does not tell them apart; never the password)."""
    with db.transaction() as session:
        user = authenticate(session, username, password, cache)
        if user is None:
            record(session, Actor(ANONYMOUS, remote_addr), "staff.login_failed", "user",
                   username[:USERNAME_LOGGED])
        else:
            record(session, user.actor(remote_addr), "staff.login", "user", user.id)
        return user


def session_user(db: Database, user_id: int) -> StaffUser | None:
    """The user of a page session, read afresh on every page request, so a deactivated user or
    a changed role takes effect at once; None when the user is gone or inactive."""
    with db.sessions() as session:
        user = session.get(User, user_id)
        return staff_user(user) if user is not None and user.active else None
