"""Page sessions: who is logged in, the CSRF token and flash messages.

The session is Starlette's signed cookie (itsdangerous, HttpOnly, SameSite=Lax, Secure in
production), signed with a key derived from `TIPLINE_SECRET_KEY`. It holds the token of a
server-side session (`staff_sessions`: logout, deactivation or an administrator end it there,
so a copied cookie dies with it), the user's name and role (for display only: every page
request reads the user afresh), the nonce of the CSRF token (the token is its HMAC under the
secret key) and pending flash messages. The signature carries
a timestamp checked against `TIPLINE_SESSION_MINUTES`, and every authenticated page request
re-signs it: a session ends after that many idle minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request

from tipline.errors import Forbidden
from tipline.http import AuthenticationRequired, in_thread
from tipline.state import AppState
from tipline.users.service import StaffUser
from tipline.users.usecases import session_user

SESSION_COOKIE = "tipline_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfRefused(Forbidden):
    """An unsafe page request without the session's CSRF token (403 page)."""


class LoginRequired(AuthenticationRequired):
    """A page request without a (live) session: answered by a redirect to the login page."""


def _csrf_key(request: Request) -> bytes:
    state: AppState = request.app.state.tipline
    return f"{state.settings.secret_key}:csrf".encode()  # its own key, derived from the secret


def csrf_token(request: Request) -> str:
    """The session's CSRF token: an HMAC under the secret key of a random nonce the session
    holds (created on first use: the login form needs one too). A token is worth something
    only with its session, and only to a server holding the key."""
    nonce: str | None = request.session.get("csrf")
    if nonce is None:
        nonce = secrets.token_urlsafe(32)
        request.session["csrf"] = nonce
    return hmac.new(_csrf_key(request), nonce.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose token (form field or htmx header) is not the session's."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette keeps it: the handler's Form(...) reads it again
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = csrf_token(request) if "csrf" in request.session else None
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused("this form has expired or did not come from tipline: reload the "
                          "page and try again")


def begin(request: Request, user: StaffUser, token: str) -> None:
    """Log the user in: a fresh session (and CSRF token), so nothing from before carries over.
    `token` names the server-side session."""
    request.session.clear()
    request.session.update(sid=token, username=user.username, role=user.role,
                           csrf=secrets.token_urlsafe(32), seen=int(time.time()))


def session_token(request: Request) -> str | None:
    token = request.session.get("sid")
    return token if isinstance(token, str) else None


def end(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A message shown once, on the next page rendered (kind: info, success, error)."""
    request.session["flashes"] = [*request.session.get("flashes", []), [kind, message]]


def take_flashes(request: Request) -> list[tuple[str, str]]:
    if "flashes" not in request.session:
        return []
    return [(kind, text) for kind, text in request.session.pop("flashes")]


def shown_user(request: Request) -> dict[str, Any] | None:
    """Name and role of the session's user, for the navigation (not for decisions)."""
    if "sid" not in request.session:
        return None
    return {"username": request.session.get("username", ""),
            "role": request.session.get("role", "")}


async def page_user(request: Request) -> StaffUser:
    """The logged-in staff user of a page request; renews the session's idle timer."""
    token = session_token(request)
    if token is None:
        raise LoginRequired("log in to see this page")
    state: AppState = request.app.state.tipline
    user: StaffUser | None = await in_thread(session_user, state.db, token)
    if user is None:
        end(request)
        raise LoginRequired("your session has ended or your account is no longer active")
    request.session.update(seen=int(time.time()), role=user.role, username=user.username)
    return user


def page_role(*roles: str) -> Callable[..., Awaitable[StaffUser]]:
    """A dependency: the page user when their role is one of `roles`, else the 403 page. A
    coarse gate only; what a user may see of a given case is decided in `tipline.access`."""
    allowed = frozenset(roles)

    async def dependency(user: StaffUser = Depends(page_user)) -> StaffUser:
        if user.role not in allowed:
            raise Forbidden(f"this page is for {', '.join(sorted(allowed))}")
        return user

    return dependency
