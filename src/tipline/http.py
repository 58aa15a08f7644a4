"""HTTP plumbing shared by the APIs: body limits, security headers, basic authentication, the
caller's actor."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextvars
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tipline.audit.service import Actor
from tipline.db import utcnow
from tipline.errors import Forbidden
from tipline.reporters.apikeys import holder_of
from tipline.reporters.service import AuthenticatedReporter, authenticate, authenticated
from tipline.state import AppState
from tipline.users.service import StaffCredentialCache
from tipline.users.service import authenticate as staff_authenticate


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than the limit of {limit} bytes")
        self.limit = limit


class AuthenticationRequired(Exception):
    pass


def body_limit_for(path: str, state: AppState) -> int:
    """File uploads may be large; report documents may not."""
    # Only the paths that take a file: PUT .../files/{id} takes a fileDetails document.
    upload = path.endswith(("/upload", "/files", "/match", "/import"))
    overhead = 64 * 1024  # multipart headers and form fields around the file
    if upload:
        return state.settings.max_upload_bytes + overhead
    return state.settings.max_document_bytes


class BodyLimitMiddleware:
    """Refuses bodies over the limit before reading them (Content-Length) or while reading them
    (chunked), so an oversized upload is never spooled to disk whole."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope["path"], self.state)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            scope.setdefault("state", {})["body_too_large"] = limit
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


# One policy for every response, API and page alike: nothing inline, nothing from another
# origin, never framed. Pages may set the same headers themselves; these win.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
SECURITY_HEADERS = {
    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
    b"cross-origin-resource-policy": b"same-origin",
}
HSTS = b"max-age=31536000; includeSubDomains"
NO_STORE = b"no-store"
# Static files (CSS, scripts, icons) hold nothing personal and may be cached; every other
# response may carry a report, a case or a name, so none is stored by browser or proxy.
CACHEABLE_PREFIXES = ("/static/",)


def security_headers(path: str, production: bool) -> dict[bytes, bytes]:
    headers = dict(SECURITY_HEADERS)
    if production:  # production is served over TLS (a proxy in front); never plain http again
        headers[b"strict-transport-security"] = HSTS
    if not path.startswith(CACHEABLE_PREFIXES):
        headers[b"cache-control"] = NO_STORE
    return headers


class SecurityHeadersMiddleware:
    """Sets the security headers on every response (errors and redirects included)."""

    def __init__(self, app: ASGIApp, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(scope["path"], self.production)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in wanted]
                message = {**message, "headers": [*kept, *wanted.items()]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def check_declared_size(request: Request) -> None:
    limit = request.scope.get("state", {}).get("body_too_large")
    if limit:
        raise BodyTooLarge(limit)


async def read_body(request: Request) -> bytes:
    check_declared_size(request)
    return await request.body()


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def api_key_scope(path: str) -> str:
    """The scope a reporter's API key needs for a path (see `reporters.apikeys.SCOPES`)."""
    return "match" if path.startswith("/api/v1/match") else "report"


async def current_reporter(request: Request) -> AuthenticatedReporter:
    """The reporter behind the request's API key (`Authorization: Bearer tl_...`) or HTTP
    basic credentials, or AuthenticationRequired. Failed basic logins are throttled per
    account and address (`users.throttle`): a locked attempt is refused before any hash."""
    state: AppState = request.app.state.tipline
    key = bearer_token(request)
    if key is not None:
        return await _key_reporter(state, key, api_key_scope(request.url.path))
    credentials = basic_credentials(request)
    if credentials is None:
        raise AuthenticationRequired("send an API key (Authorization: Bearer) or HTTP basic "
                                     "credentials of a reporter account")
    cached = state.credentials.get(*credentials)
    if cached:
        return cached
    account, address = f"reporter:{credentials[0]}", client_address(request)
    state.logins.check(account, address)

    def check() -> AuthenticatedReporter | None:
        with state.db.sessions() as session:
            return authenticate(session, *credentials, state.credentials)

    reporter = await in_thread(check)
    if reporter is None:
        state.logins.failed(account, address)
        if request.url.path.startswith("/ispws"):  # NCMEC's dialect keeps its one answer
            raise AuthenticationRequired(WRONG_CREDENTIALS)
        raise AuthenticationRequired(await in_thread(_why_refused, state, *credentials))
    state.logins.succeeded(account)
    return reporter


async def _key_reporter(state: AppState, key: str, scope: str) -> AuthenticatedReporter:
    def check() -> tuple[AuthenticatedReporter, tuple[str, ...]] | None:
        with state.db.sessions() as session:
            holder = holder_of(session, key, utcnow())
            return (authenticated(holder.reporter), holder.scopes) if holder else None

    found = await in_thread(check)
    if found is None:
        raise AuthenticationRequired("the API key is unknown, expired or revoked")
    reporter, scopes = found
    if scope not in scopes:
        raise Forbidden(f"this API key may not be used here: it needs scope {scope!r} "
                        f"(it has {', '.join(scopes)})")
    return reporter


WRONG_CREDENTIALS = "the username or password is wrong"
STAFF_ON_REPORTER_ROUTE = ("these are a staff user's credentials; this route takes a reporter "
                           "account's (the API username and password of your organisation)")


def _why_refused(state: AppState, username: str, password: str) -> str:
    """Why credentials were refused on a reporter route: a staff user's right credentials
    are told so (they are right, so this tells nothing an attacker could probe), anything
    else is simply wrong."""
    with state.db.sessions() as session:
        staff = staff_authenticate(session, username, password, StaffCredentialCache(0))
    return STAFF_ON_REPORTER_ROUTE if staff is not None else WRONG_CREDENTIALS


def actor_for(reporter: AuthenticatedReporter, request: Request) -> Actor:
    client = request.client.host if request.client else None
    return Actor(f"reporter:{reporter.id}", client)


# One pool of threads for a request's blocking work (database, evidence files). asyncio's
# executor hand-off costs about half the CPU of anyio's (`run_in_threadpool`), and every
# intake request makes one.
_REQUEST_THREADS = 40
_executor: ThreadPoolExecutor | None = None


def _request_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:  # created in the serving process (uvicorn may fork workers)
        _executor = ThreadPoolExecutor(_REQUEST_THREADS, thread_name_prefix="tipline-request")
    return _executor


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Run blocking work off the event loop, in the caller's context (as anyio would). If the
    request is cancelled (the client went away), the work still runs to its end: a unit of
    work commits or rolls back whole."""
    context = contextvars.copy_context()
    future = asyncio.get_running_loop().run_in_executor(
        _request_executor(), functools.partial(context.run, fn, *args))
    return await asyncio.shield(future)


Handler = Callable[[Request, Exception], Awaitable[Any]]
