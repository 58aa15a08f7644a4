"""The FastAPI application: both intake APIs, error mapping, and the in-process pipeline."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

from tipline import __version__
from tipline.agencies import api as agencies_api
from tipline.alerts import api as alerts_api
from tipline.banks import api as banks_api
from tipline.cases import api as cases_api
from tipline.classification import api as classification_api
from tipline.clusters import api as clusters_api
from tipline.deconfliction import api as deconfliction_api
from tipline.delivery import api as delivery_api
from tipline.feedback import api as feedback_api
from tipline.http import BodyLimitMiddleware, SecurityHeadersMiddleware
from tipline.matching import api as matching_api
from tipline.ncmec import api as ncmec_api
from tipline.openapi import install as install_openapi
from tipline.outcomes import api as outcomes_api
from tipline.reports import api as reports_api
from tipline.routing import api as routing_api
from tipline.settings import Settings
from tipline.state import AppState, build_state, start, stop
from tipline.takedown import api as takedown_api
from tipline.transparency import api as transparency_api
from tipline.triage import api as triage_api
from tipline.web import app as web
from tipline.web_errors import install_error_handlers

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, state: AppState | None = None) -> FastAPI:
    state = state or build_state(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        start(state)
        yield
        stop(state)

    app = FastAPI(title="tipline", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # the web package serves /docs offline
                  description="Reporting centre for child sexual exploitation and abuse "
                              "imagery reports.")
    app.state.tipline = state
    app.add_middleware(BodyLimitMiddleware, state=state)
    _headers_on_every_response(app, production=state.settings.environment == "production")
    install_error_handlers(app)
    app.include_router(ncmec_api.router)
    app.include_router(reports_api.router)
    app.include_router(matching_api.router)
    app.include_router(feedback_api.router)  # before /banks/{id} routes
    app.include_router(banks_api.router)
    app.include_router(classification_api.router)
    app.include_router(triage_api.router)
    app.include_router(cases_api.router)
    app.include_router(cases_api.queue_router)
    app.include_router(clusters_api.router)
    app.include_router(agencies_api.router)
    app.include_router(routing_api.router)
    app.include_router(alerts_api.router)
    app.include_router(deconfliction_api.router)
    app.include_router(delivery_api.router)
    app.include_router(outcomes_api.router)
    app.include_router(transparency_api.router)
    app.include_router(takedown_api.router)
    web.install(app, state)

    install_openapi(app)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


def _headers_on_every_response(app: FastAPI, production: bool) -> None:
    """Wrap the whole middleware stack, outside Starlette's server-error middleware too, so
    even a 500 carries the security headers (`add_middleware` would sit inside it)."""
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(build(), production)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
