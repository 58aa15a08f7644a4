"""The one place that turns errors into responses, in the dialect of the API that was called.

Use cases raise domain errors (`tipline.errors`); handlers never catch them one by one. Each
error is answered here: an XML `reportResponse` under `/ispws` (a `reportDoneResponse` for
`/ispws/finish`, which clients read that way), JSON `{"error": {"code", "type", "message"}}`
elsewhere. A new dialect (HTML pages) is one more entry in `DIALECTS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from tipline.errors import DomainError
from tipline.http import AuthenticationRequired, BodyTooLarge
from tipline.ncmec.responses import done_response, report_response
from tipline.ncmec.schema import SchemaError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """An error as every dialect needs it."""

    code: int  # CyberTipline responseCode
    kind: str  # a short machine-readable type
    message: str
    status: int  # HTTP status


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


# (matches the path, dialect), first match wins; JSON is the default.
DIALECTS: list[tuple[Callable[[str], bool], Dialect]] = [
    (lambda path: path.rstrip("/") == "/ispws/finish", _finish_dialect),
    (lambda path: path.startswith("/ispws"), _ispws_dialect),
]


def answer(request: Request, failure: Failure) -> Response:
    """One error, in the dialect of the API that was called."""
    headers = {"WWW-Authenticate": 'Basic realm="tipline"'} if failure.status == 401 else {}
    path = request.url.path
    dialect = next((d for matches, d in DIALECTS if matches(path)), _json_dialect)
    return dialect(request, failure, headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return answer(request, Failure(exc.code, exc.kind, exc.message, exc.http_status))

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
