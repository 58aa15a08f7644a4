"""FastAPI dependencies for staff routes: `current_user` and `require_role(*roles)`.

Usage::

    @router.get("/api/v1/cases/{case_id}")
    async def get_case(case_id: int, user: StaffUser = Depends(current_user)) -> ...

    @router.post("/api/v1/...", dependencies=[Depends(require_role("supervisor", "admin"))])

Staff authenticate with HTTP basic, like reporters, against the `users` table; a reporter's
credentials are not a staff login. A user who enrolled a second factor also sends the current
one-time code in the `X-Tipline-OTP` header. Failed logins are throttled per account and
address (`users.throttle`), before any password is hashed.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request

from tipline.audit.service import Actor
from tipline.credentials import CredentialCache
from tipline.errors import Forbidden
from tipline.http import (
    AuthenticationRequired,
    basic_credentials,
    client_address,
    in_thread,
)
from tipline.reporters.service import authenticate
from tipline.state import AppState
from tipline.users.service import StaffCredentialCache, StaffUser
from tipline.users.usecases import login

__all__ = ["StaffUser", "current_user", "require_role", "staff_actor", "staff_cache"]

OTP_HEADER = "X-Tipline-OTP"

_cache_lock = threading.Lock()


def staff_cache(request: Request) -> StaffCredentialCache:
    # Kept on the FastAPI app (one per process and app), created on first use so the shared
    # AppState does not have to know about staff users.
    app_state = request.app.state
    with _cache_lock:
        cache: StaffCredentialCache | None = getattr(app_state, "staff_credentials", None)
        if cache is None:
            state: AppState = app_state.tipline
            cache = StaffCredentialCache(state.settings.auth_cache_seconds)
            app_state.staff_credentials = cache
    return cache


async def current_user(request: Request) -> StaffUser:
    """The staff user behind the request's HTTP basic credentials, or 401."""
    state: AppState = request.app.state.tipline
    credentials = basic_credentials(request)
    if credentials is None:
        raise AuthenticationRequired("send HTTP basic credentials of a staff user")
    cache = staff_cache(request)
    cached = cache.get(*credentials)
    if cached:
        return cached
    user: StaffUser | None = await in_thread(
        login, state.db, *credentials, cache, client_address(request), state.logins,
        request.headers.get(OTP_HEADER))
    if user is None:
        raise AuthenticationRequired(await in_thread(_why_refused, state, *credentials))
    return user


WRONG_STAFF_CREDENTIALS = (f"the username or password (or the one-time code in {OTP_HEADER}, "
                           "for an account with a second factor) is wrong")
REPORTER_ON_STAFF_ROUTE = ("these are a reporter account's credentials; this route is for the "
                           "centre's staff users (reporters use /api/v1/reports and /ispws)")


def _why_refused(state: AppState, username: str, password: str) -> str:
    """Why credentials were refused on a staff route: a reporter account's right credentials
    are told so, anything else is simply wrong."""
    with state.db.sessions() as session:
        reporter = authenticate(session, username, password, CredentialCache(0))
    return REPORTER_ON_STAFF_ROUTE if reporter is not None else WRONG_STAFF_CREDENTIALS


def require_role(*roles: str) -> Callable[..., Awaitable[StaffUser]]:
    """A dependency that returns the current user when their role is one of `roles`, else 403:
    a coarse first gate for endpoints only some roles use. What a user may see and do with a
    particular case, file or delivery is decided in `tipline.access`."""
    allowed = frozenset(roles)

    async def dependency(user: StaffUser = Depends(current_user)) -> StaffUser:
        if user.role not in allowed:
            raise Forbidden(f"role {user.role!r} may not do this; needs one of "
                            f"{', '.join(sorted(allowed))}")
        return user

    return dependency


def staff_actor(user: StaffUser, request: Request) -> Actor:
    return user.actor(request.client.host if request.client else None)
