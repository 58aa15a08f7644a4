"""The FastAPI application: both intake APIs, error mapping, and the in-process pipeline."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from tipline import __version__
from tipline.cases import api as cases_api
from tipline.classification import api as classification_api
from tipline.clusters import api as clusters_api
from tipline.delivery import api as delivery_api
from tipline.http import AuthenticationRequired, BodyLimitMiddleware, BodyTooLarge
from tipline.matching import api as matching_api
from tipline.ncmec import api as ncmec_api
from tipline.ncmec.responses import done_response, report_response
from tipline.ncmec.schema import SchemaError
from tipline.reports import api as reports_api
from tipline.reports.errors import ReportError
from tipline.routing import api as routing_api
from tipline.settings import Settings
from tipline.state import AppState, build_state, start, stop
from tipline.triage import api as triage_api
from tipline.users.auth import Forbidden

log = logging.getLogger(__name__)


def _error(request: Request, code: int, kind: str, message: str, status: int) -> Response:
    """One error, in the dialect of the API that was called."""
    headers = {"WWW-Authenticate": 'Basic realm="tipline"'} if status == 401 else {}
    if request.url.path.rstrip("/") == "/ispws/finish":
        # Clients read every answer to /finish as a reportDoneResponse (ncmec-go and
        # ncmec-cybertip fail to parse a reportResponse there). It has no description, so a
        # header carries the message.
        headers["X-Tipline-Error"] = " ".join(message.split()).encode("ascii", "replace").decode()
        report_id: int = getattr(request.state, "report_id", 0)
        return done_response(report_id, [], headers, code=code, status=status)
    if request.url.path.startswith("/ispws"):
        return report_response(code, message, status=status, headers=headers)
    return JSONResponse({"error": {"code": code, "type": kind, "message": message}},
                        status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ReportError)
    async def _report_error(request: Request, exc: ReportError) -> Response:
        return _error(request, exc.code, type(exc).__name__, exc.message, exc.http_status)

    @app.exception_handler(SchemaError)
    async def _schema_error(request: Request, exc: SchemaError) -> Response:
        kind = "malformed_xml" if exc.code == 4110 else "validation_failed"
        return _error(request, exc.code, kind, exc.message, 400)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
        return _error(request, 4000, "payload_too_large", str(exc), 413)

    @app.exception_handler(AuthenticationRequired)
    async def _auth(request: Request, exc: AuthenticationRequired) -> Response:
        return _error(request, 2000, "authentication_required", str(exc), 401)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 3000, "not_authorised", str(exc), 403)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # Unknown paths and methods: a CyberTipline client can only read a reportResponse.
        return _error(request, 4000, "invalid_request", str(exc.detail), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _error(request, 4000, "invalid_request", message, 400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return _error(request, 1000, "server_error", "internal server error; nothing was "
                      "stored by this request", 500)


def create_app(settings: Settings | None = None, state: AppState | None = None) -> FastAPI:
    state = state or build_state(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        start(state)
        yield
        stop(state)

    app = FastAPI(title="tipline", version=__version__, lifespan=lifespan,
                  description="Reporting centre for child sexual exploitation and abuse "
                              "imagery reports.")
    app.state.tipline = state
    app.add_middleware(BodyLimitMiddleware, state=state)
    install_error_handlers(app)
    app.include_router(ncmec_api.router)
    app.include_router(reports_api.router)
    app.include_router(matching_api.router)
    app.include_router(classification_api.router)
    app.include_router(triage_api.router)
    app.include_router(cases_api.router)
    app.include_router(clusters_api.router)
    app.include_router(routing_api.router)
    app.include_router(delivery_api.router)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
