"""The one place that turns errors into responses, in the dialect of the API that was called.

Use cases raise domain errors (`tipline.errors`); handlers never catch them one by one. Each
error is answered here: an XML `reportResponse` under `/ispws` (a `reportDoneResponse` for
`/ispws/finish`, which clients read that way), JSON `{"error": {"code", "type", "message"}}`
under `/api`, and HTML pages everywhere else (the web UI): a 404 page that never names what
was asked for, a 403 page, a 400 page, and a redirect to the login page for a page request
without a session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from tipline.errors import DomainError
from tipline.http import AuthenticationRequired, BodyTooLarge
from tipline.ncmec.responses import done_response, report_response
from tipline.ncmec.schema import SchemaError
from tipline.web.templates import render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """An error as every dialect needs it."""

    code: int  # CyberTipline responseCode
    kind: str  # a short machine-readable type
    message: str
    status: int  # HTTP status
    retry_after: int | None = None  # seconds, for a 429


Dialect = Callable[[Request, Failure, dict[str, str]], Response]


def _finish_dialect(request: Request, failure: Failure, headers: dict[str, str]) -> Response:
    # Clients read every answer to /finish as a reportDoneResponse (ncmec-go and
    # ncmec-cybertip fail to parse a reportResponse there). It has no description, so a
    # header carries the message.
    headers["X-Tipline-Error"] = " ".join(failure.message.split()).encode(
        "ascii", "replace").decode()
    report_id: int = getattr(request.state, "report_id", 0)
    return done_response(report_id, [], headers, code=failure.code, status=failure.status)


def _ispws_dialect(_request: Request, failure: Failure, headers: dict[str, str]) -> Response:
    return report_response(failure.code, failure.message, status=failure.status,
                           headers=headers)


def _json_dialect(_request: Request, failure: Failure, headers: dict[str, str]) -> Response:
    return JSONResponse({"error": {"code": failure.code, "type": failure.kind,
                                   "message": failure.message}},
                        status_code=failure.status, headers=headers)


PAGE_TITLES = {400: "This request cannot be done", 401: "Please log in",
               403: "You may not do this", 404: "Not found", 405: "Not allowed here",
               409: "This cannot be done now", 413: "Too large", 429: "Too many attempts"}
# A page never says whether a thing it will not show exists.
NOT_FOUND_TEXT = "There is nothing here, or you may not see it."
SERVER_ERROR_TEXT = "Something went wrong on our side; nothing was changed by this request."


def _html_dialect(request: Request, failure: Failure, headers: dict[str, str]) -> Response:
    if failure.status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = "/login?" + urlencode({"next": target})
        if request.headers.get("HX-Request"):  # htmx follows this header, not a redirect
            return Response(status_code=204, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)
    message = {404: NOT_FOUND_TEXT, 500: SERVER_ERROR_TEXT}.get(failure.status,
                                                                 failure.message)
    title = PAGE_TITLES.get(failure.status, "Error")
    response = render(request, "error.html", {"title": title, "message": message,
                                              "status": failure.status}, status=failure.status)
    response.headers.update(headers)  # e.g. Retry-After of a throttled login
    return response


API_PREFIXES = ("/api", "/ispws", "/healthz", "/openapi.json")


def is_api(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


# (matches the path, dialect), first match wins; HTML pages are the default.
DIALECTS: list[tuple[Callable[[str], bool], Dialect]] = [
    (lambda path: path.rstrip("/") == "/ispws/finish", _finish_dialect),
    (lambda path: path.startswith("/ispws"), _ispws_dialect),
    (is_api, _json_dialect),
]


def answer(request: Request, failure: Failure) -> Response:
    """One error, in the dialect of the API that was called."""
    headers = {"WWW-Authenticate": 'Basic realm="tipline"'} if failure.status == 401 else {}
    if failure.retry_after is not None:
        headers["Retry-After"] = str(failure.retry_after)
    path = request.url.path
    dialect = next((d for matches, d in DIALECTS if matches(path)), _html_dialect)
    return dialect(request, failure, headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        retry_after = getattr(exc, "retry_after", None)  # a throttled login says when
        return answer(request, Failure(exc.code, exc.kind, exc.message, exc.http_status,
                                       retry_after))

    @app.exception_handler(SchemaError)
    async def _schema_error(request: Request, exc: SchemaError) -> Response:
        kind = "malformed_xml" if exc.code == 4110 else "validation_failed"
        return answer(request, Failure(exc.code, kind, exc.message, 400))

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
        return answer(request, Failure(4000, "payload_too_large", str(exc), 413))

    @app.exception_handler(AuthenticationRequired)
    async def _auth(request: Request, exc: AuthenticationRequired) -> Response:
        return answer(request, Failure(2000, "authentication_required", str(exc), 401))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown paths and methods: a CyberTipline client can only read a reportResponse.
        return answer(request, Failure(4000, "invalid_request", str(exc.detail),
                                       exc.status_code))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return answer(request, Failure(4000, "invalid_request", message, 400))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return answer(request, Failure(1000, "server_error", "internal server error; nothing "
                                       "was stored by this request", 500))
