"""The one place that turns errors into responses, in the dialect of the API that was called.

Use cases raise domain errors (`tipline.errors`); handlers never catch them one by one. Each
error is answered here: an XML `reportResponse` under `/ispws` (a `reportDoneResponse` for
`/ispws/finish`, which clients read that way; byte for byte as NCMEC's API answers), JSON
`{"error": {"code", "type", "message", "field"}}` under `/api`, and HTML pages everywhere else
(the web UI): a 404 page that never names what was asked for, a 403 page, a 400 page, and a
redirect to the login page for a page request without a session.

The JSON dialect speaks one vocabulary: `type` is a stable snake_case name (a domain error's
`kind`, or one of `OWN_TYPES` below), `message` says what to fix in words a person reads, and
`field` is where the request is at fault (a JSON path into the body such as
`$.incidentSummary.incidentType`, `query.limit`, `header.idempotency-key`), or null. Every type
is listed in docs/errors.md (`tests/test_error_catalogue.py` fails when one is missing or the
catalogue lists one the code never answers).
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

from tipline.errors import Conflict, DomainError, Forbidden
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
    field: str | None = None  # where the request is at fault (JSON only)
    # The JSON dialect's message where it differs from the CyberTipline one (which must stay
    # what NCMEC's API says, e.g. "Not Found").
    api_message: str | None = None


# The types answered here rather than by a domain error's `kind`.
MALFORMED_XML = "malformed_xml"
VALIDATION_FAILED = "validation_failed"
PAYLOAD_TOO_LARGE = "payload_too_large"
AUTHENTICATION_REQUIRED = "authentication_required"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
INVALID_REQUEST = "invalid_request"
SERVER_ERROR = "server_error"
OWN_TYPES = frozenset({MALFORMED_XML, VALIDATION_FAILED, PAYLOAD_TOO_LARGE,
                       AUTHENTICATION_REQUIRED, NOT_FOUND, METHOD_NOT_ALLOWED, INVALID_REQUEST,
                       SERVER_ERROR})
# Starlette's own HTTP errors (an unknown path, a method a route does not take).
HTTP_TYPES = {401: AUTHENTICATION_REQUIRED, 403: Forbidden.kind, 404: NOT_FOUND,
              405: METHOD_NOT_ALLOWED, 409: Conflict.kind, 413: PAYLOAD_TOO_LARGE}


def domain_types() -> set[str]:
    """The `kind` of every domain error class loaded (the application imports them all)."""
    found: set[str] = set()
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found.add(cls.kind)
        pending.extend(cls.__subclasses__())
    return found


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
                                   "message": failure.api_message or failure.message,
                                   "field": failure.field}},
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


def _http_message(request: Request, status: int, detail: str) -> str:
    if status == 404:
        return (f"there is nothing at {request.url.path}; the API's routes are listed at "
                "/docs (OpenAPI: /openapi.json)")
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}; see /docs"
    return detail


def _location(loc: tuple[int | str, ...]) -> str:
    """Where a request validation error points: a JSON path into the body, else the query
    parameter, path parameter or header by name."""
    where, *rest = loc or ("body",)
    if where == "body":
        return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)
    return ".".join(map(str, (where, *rest)))


def _validation_failure(exc: RequestValidationError) -> Failure:
    errors = exc.errors()
    # The CyberTipline dialect keeps its message as it always was.
    legacy = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    found = [(_location(tuple(e["loc"])), str(e["msg"]).removeprefix("Value error, "))
             for e in errors]
    human = "; ".join(f"{where}: {msg}" for where, msg in found)
    return Failure(4000, INVALID_REQUEST, legacy, 400, field=found[0][0] if found else None,
                   api_message=human)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        retry_after = getattr(exc, "retry_after", None)  # a throttled login says when
        return answer(request, Failure(exc.code, exc.kind, exc.message, exc.http_status,
                                       retry_after=retry_after, field=exc.field))

    @app.exception_handler(SchemaError)
    async def _schema_error(request: Request, exc: SchemaError) -> Response:
        kind = MALFORMED_XML if exc.code == 4110 else VALIDATION_FAILED
        return answer(request, Failure(exc.code, kind, exc.message, 400, field=exc.field))

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
        return answer(request, Failure(4000, PAYLOAD_TOO_LARGE, str(exc), 413))

    @app.exception_handler(AuthenticationRequired)
    async def _auth(request: Request, exc: AuthenticationRequired) -> Response:
        return answer(request, Failure(2000, AUTHENTICATION_REQUIRED, str(exc), 401))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown paths and methods: a CyberTipline client can only read a reportResponse.
        detail = str(exc.detail)
        return answer(request, Failure(
            4000, HTTP_TYPES.get(exc.status_code, INVALID_REQUEST), detail, exc.status_code,
            api_message=_http_message(request, exc.status_code, detail)))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return answer(request, _validation_failure(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return answer(request, Failure(1000, SERVER_ERROR, "internal server error; nothing "
                                       "was stored by this request", 500))
