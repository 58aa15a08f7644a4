"""Staff user use cases for the web entry points: logging in, the user of a page session, and
the administrators' accounts and roles."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from tipline import access
from tipline.agencies import store as agencies_store
from tipline.audit.service import Actor, record
from tipline.db import Database
from tipline.errors import Invalid, NotFound
from tipline.reporters import store as reporters_store
from tipline.users import store
from tipline.users.models import User
from tipline.users.schemas import UserCreate
from tipline.users.service import (
    StaffCredentialCache,
    StaffUser,
    UserRow,
    authenticate,
    create_user,
    end_session,
    enrol_totp,
    live_session_user,
    open_session,
    remove_totp,
    set_active,
    user_row,
)
from tipline.users.throttle import LoginThrottle

ANONYMOUS = "anonymous"  # the actor of a failed login: nobody is authenticated
USERNAME_LOGGED = 200  # the audit log's object id holds at most this much of a username tried


def login(db: Database, username: str, password: str, cache: StaffCredentialCache,
          remote_addr: str | None = None, throttle: LoginThrottle | None = None,
          otp: str | None = None) -> StaffUser | None:
    """The active staff user with these credentials, or None. Both are audited: `staff.login`
    by the user, `staff.login_failed` by nobody on the username tried (the same event whether
    the username exists or not, so the log does not tell them apart; never the password).
    A locked account or address is refused (`LoginThrottled`) before any password is hashed."""
    with db.transaction() as session:
        return _login(session, username, password, cache, remote_addr, throttle, otp)


def page_login(db: Database, username: str, password: str, cache: StaffCredentialCache,
               remote_addr: str | None, throttle: LoginThrottle,
               otp: str | None = None) -> tuple[StaffUser, str] | None:
    """Log in to the pages: the user and a new server-side session's token, or None."""
    with db.transaction() as session:
        user = _login(session, username, password, cache, remote_addr, throttle, otp)
        return (user, open_session(session, user.id)) if user else None


def _login(session: Session, username: str, password: str, cache: StaffCredentialCache,
           remote_addr: str | None, throttle: LoginThrottle | None,
           otp: str | None) -> StaffUser | None:
    account = f"staff:{username}"
    if throttle is not None:
        throttle.check(account, remote_addr)
    user = authenticate(session, username, password, cache, otp)
    if user is None:
        if throttle is not None:
            throttle.failed(account, remote_addr)
        record(session, Actor(ANONYMOUS, remote_addr), "staff.login_failed", "user",
               username[:USERNAME_LOGGED])
        return None
    if throttle is not None:
        throttle.succeeded(account)
    record(session, user.actor(remote_addr), "staff.login", "user", user.id)
    return user


def session_user(db: Database, token: str) -> StaffUser | None:
    """The user of a page session, read afresh on every page request, so logout, a
    deactivated user or a changed role takes effect at once; None when the session ended or
    the user is gone or inactive."""
    with db.sessions() as session:
        return live_session_user(session, token)


def end_page_session(db: Database, token: str, remote_addr: str | None) -> int | None:
    """Log out: the session ends server-side (its cookie, or a copy, is worth nothing after);
    returns the user's id, or None when the session had already ended."""
    with db.transaction() as session:
        user_id = end_session(session, token, "logout")
        if user_id is not None:
            record(session, Actor(f"user:{user_id}", remote_addr), "staff.logout", "user",
                   user_id)
        return user_id


# --- administrators: staff accounts and roles ------------------------------------------------

class UserRefused(Invalid):
    """A staff account that cannot be created as asked (400, with the reason)."""


def list_users(db: Database, user: StaffUser) -> list[UserRow]:
    """Every staff account, active or not, in the order they were created."""
    with db.sessions() as session:
        access.check_manage_users(access.staff_viewer(session, user))
        return [user_row(u) for u in store.all_users(session)]


def add_user(db: Database, user: StaffUser, actor: Actor, fields: dict[str, str]) -> UserRow:
    """Create a staff account with its role, organisation and jurisdiction. An agency user's
    organisation must be an active agency's code, a reporter user's an active reporter's
    username: otherwise the account would see nothing."""
    with db.transaction() as session:
        access.check_manage_users(access.staff_viewer(session, user))
        try:
            data = UserCreate.model_validate(fields)
            _check_organisation(session, data)
            return user_row(create_user(session, data, actor))
        except ValueError as exc:  # pydantic's ValidationError, UserExists and rule errors
            raise UserRefused(_reason(exc)) from exc


def set_user_active(db: Database, user: StaffUser, actor: Actor, user_id: int,
                    active: bool) -> UserRow:
    """Deactivate (or reactivate) an account; an administrator never deactivates their own.
    Its next page request finds no live user (see `session_user`)."""
    with db.transaction() as session:
        access.check_manage_users(access.staff_viewer(session, user))
        target = session.get(User, user_id)
        if target is None:
            raise NotFound(f"user {user_id} does not exist")
        if target.id == user.id and not active:
            raise UserRefused("you cannot deactivate your own account")
        return user_row(set_active(session, target, active, actor))


def second_factor(db: Database, actor: Actor, username: str, enrol: bool) -> str | None:
    """Enrol (a new secret, returned once) or remove a staff user's TOTP second factor; the
    user's page sessions end. From the CLI (whoever holds the server's configuration)."""
    with db.transaction() as session:
        target = store.by_username(session, username)
        if target is None:
            raise NotFound(f"no user {username!r}")
        if enrol:
            return enrol_totp(session, target, actor)
        remove_totp(session, target, actor)
        return None


def _check_organisation(session: Session, data: UserCreate) -> None:
    if data.role == "agency" and agencies_store.agency(session, data.organisation) is None:
        raise ValueError(f"an agency user's organisation is its agency's code: no agency "
                         f"{data.organisation!r}")
    if data.role == access.REPORTER_ROLE and \
            reporters_store.by_username(session, data.organisation) is None:
        raise ValueError(f"a reporter user's organisation is its reporter's username: no "
                         f"reporter {data.organisation!r}")


def _reason(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                         for e in exc.errors())
    return str(exc)
