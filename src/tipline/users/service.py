"""Staff users: creation and authentication. Never commits (the caller owns the transaction)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.credentials import CredentialCache
from tipline.db import utcnow
from tipline.reporters.rules import hash_password, verify_password
from tipline.users import rules, store, totp
from tipline.users.models import StaffSession, User
from tipline.users.schemas import UserCreate


class UserExists(ValueError):
    pass


@dataclass(frozen=True)
class StaffUser:
    """An authenticated staff user: what routes need, detached from any session."""

    id: int
    username: str
    role: str
    organisation: str
    jurisdiction: str

    @property
    def actor_name(self) -> str:
        return f"user:{self.id}"

    def actor(self, remote_addr: str | None = None) -> Actor:
        return Actor(self.actor_name, remote_addr)


def staff_user(user: User) -> StaffUser:
    return StaffUser(user.id, user.username, user.role, user.organisation, user.jurisdiction)


@dataclass(frozen=True)
class UserRow:
    """A staff account as the administrators' pages list it (never its password hash)."""

    id: int
    username: str
    name: str
    role: str
    organisation: str
    jurisdiction: str
    active: bool
    created_at: dt.datetime


def user_row(user: User) -> UserRow:
    return UserRow(user.id, user.username, user.name, user.role, user.organisation,
                   user.jurisdiction, user.active, user.created_at)


def set_active(session: Session, user: User, active: bool, actor: Actor) -> User:
    if user.active != active:
        user.active = active
        record(session, actor, "user.activate" if active else "user.deactivate", "user",
               user.id, username=user.username)
    if not active:
        end_sessions_of(session, user.id, "deactivated")
    return user


def create_user(session: Session, data: UserCreate, actor: Actor) -> User:
    rules.check_role(data.role)
    rules.check_new_password(data.password)
    jurisdiction = rules.check_jurisdiction(data.jurisdiction)
    if store.by_username(session, data.username):
        raise UserExists(f"a user named {data.username!r} exists")
    user = User(
        username=data.username, name=data.name or data.username,
        password_hash=hash_password(data.password), role=data.role,
        organisation=data.organisation, jurisdiction=jurisdiction,
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", "user", user.id, username=data.username,
           role=data.role, jurisdiction=jurisdiction)
    return user


# Staff logins are cached like reporters' (see tipline.credentials).
StaffCredentialCache = CredentialCache[StaffUser]


def authenticate(session: Session, username: str, password: str,
                 cache: StaffCredentialCache, otp: str | None = None) -> StaffUser | None:
    """The user, when the password (and, for a user who enrolled one, the one-time code) is
    right. Users with a second factor are never cached: each request shows a fresh code."""
    cached = cache.get(username, password)
    if cached:
        # One read by primary key: a user deactivated or enrolled since the cache entry was
        # made is checked in full (the cache skips only the password hash).
        row = session.get(User, cached.id)
        if row is not None and row.active and not row.totp_secret:
            return cached
    user = store.by_username(session, username)
    if user is None or not user.active:
        verify_password(password, _DUMMY_HASH)  # same cost, so usernames cannot be probed
        return None
    if not verify_password(password, user.password_hash):
        return None
    found = staff_user(user)
    if user.totp_secret:
        return found if otp and _fresh_code(session, user, otp) else None
    cache.put(username, password, found)
    return found


def _fresh_code(session: Session, user: User, otp: str) -> bool:
    """The code is right and its time step is later than the last one used: claimed with one
    conditional UPDATE, so two logins racing with one code cannot both pass."""
    assert user.totp_secret is not None
    step = totp.matching_step(user.totp_secret, otp)
    if step is None:
        return False
    claimed = session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                   User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    return bool(getattr(claimed, "rowcount", 0))


# --- server-side page sessions -----------------------------------------------------------

def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int) -> str:
    """A new page session; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(id=_session_id(token), user_id=user_id))
    session.flush()
    return token


def live_session_user(session: Session, token: str) -> StaffUser | None:
    """The active user of a session that has not ended, else None."""
    row = session.get(StaffSession, _session_id(token))
    if row is None or row.ended_at is not None:
        return None
    user = session.get(User, row.user_id)
    return staff_user(user) if user is not None and user.active else None


def end_session(session: Session, token: str, reason: str) -> int | None:
    """End one session; returns its user's id (None when there was no live session)."""
    row = session.get(StaffSession, _session_id(token))
    if row is None or row.ended_at is not None:
        return None
    row.ended_at, row.end_reason = utcnow(), reason
    return row.user_id


def end_sessions_of(session: Session, user_id: int, reason: str) -> int:
    """End every live session of a user (deactivation, a reset second factor)."""
    result = session.execute(
        update(StaffSession).where(StaffSession.user_id == user_id,
                                   StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


def enrol_totp(session: Session, user: User, actor: Actor) -> str:
    """Give the user a new second-factor secret (replacing any); their other sessions end."""
    user.totp_secret, user.totp_last_step = totp.new_secret(), None
    end_sessions_of(session, user.id, "second factor changed")
    record(session, actor, "user.totp_enrol", "user", user.id)
    return user.totp_secret


def remove_totp(session: Session, user: User, actor: Actor) -> None:
    user.totp_secret = None
    record(session, actor, "user.totp_remove", "user", user.id)


_DUMMY_HASH = hash_password("not-a-real-staff-password-for-timing")
