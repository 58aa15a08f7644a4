"""The API docs page, offline: Swagger UI's files come from the `swagger-ui-bundle-v2` package
and are served by the app, so `/docs` works on a network without the internet."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

SWAGGER_FILES = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_URL = "/static/swagger-ui"


def install_docs(app: FastAPI) -> None:
    """`/docs` with local assets (the app must be created with `docs_url=None`)."""
    app.mount(SWAGGER_URL, StaticFiles(directory=SWAGGER_FILES), name="swagger-ui")
    router = APIRouter(include_in_schema=False)
    openapi_url = app.openapi_url or "/openapi.json"

    @router.get("/docs")
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} API",
            swagger_js_url=f"{SWAGGER_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_URL}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_URL}/favicon-32x32.png")

    app.include_router(router)
