"""HTTP plumbing shared by the APIs: body limits, basic authentication, the caller's actor."""

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
from tipline.reporters.service import AuthenticatedReporter, authenticate
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


async def current_reporter(request: Request) -> AuthenticatedReporter:
    """The reporter behind the request's HTTP basic credentials, or AuthenticationRequired."""
    state: AppState = request.app.state.tipline
    credentials = basic_credentials(request)
    if credentials is None:
        raise AuthenticationRequired("send HTTP basic credentials of a reporter account")
    cached = state.credentials.get(*credentials)
    if cached:
        return cached

    def check() -> AuthenticatedReporter | None:
        with state.db.sessions() as session:
            return authenticate(session, *credentials, state.credentials)

    reporter = await in_thread(check)
    if reporter is None:
        if request.url.path.startswith("/ispws"):  # NCMEC's dialect keeps its one answer
            raise AuthenticationRequired(WRONG_CREDENTIALS)
        raise AuthenticationRequired(await in_thread(_why_refused, state, *credentials))
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
