"""Staff users: creation and authentication. Never commits (the caller owns the transaction)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.credentials import CredentialCache
from tipline.reporters.rules import hash_password, verify_password
from tipline.users import rules, store
from tipline.users.models import User
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
                 cache: StaffCredentialCache) -> StaffUser | None:
    cached = cache.get(username, password)
    if cached:
        return cached
    user = store.by_username(session, username)
    if user is None or not user.active:
        verify_password(password, _DUMMY_HASH)  # same cost, so usernames cannot be probed
        return None
    if not verify_password(password, user.password_hash):
        return None
    found = staff_user(user)
    cache.put(username, password, found)
    return found


_DUMMY_HASH = hash_password("not-a-real-staff-password-for-timing")
