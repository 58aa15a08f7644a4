"""The API docs page, offline: Swagger UI's files come from the `swagger-ui-bundle-v2` package
and are served by the app, so `/docs` works on a network without the internet."""

from __future__ import annotations

from html import escape
from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

SWAGGER_FILES = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_URL = "/static/swagger-ui"


# FastAPI's own page starts Swagger UI with an inline script, which the Content-Security-Policy
# refuses; this one loads the same files and starts them from /static/swagger-init.js.
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{swagger}/swagger-ui.css">
<link rel="icon" href="{swagger}/favicon-32x32.png"></head>
<body><div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{swagger}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>
"""


def install_docs(app: FastAPI) -> None:
    """`/docs` with local assets (the app must be created with `docs_url=None`)."""
    app.mount(SWAGGER_URL, StaticFiles(directory=SWAGGER_FILES), name="swagger-ui")
    router = APIRouter(include_in_schema=False)
    openapi_url = app.openapi_url or "/openapi.json"

    page = DOCS_PAGE.format(title=escape(f"{app.title} API"), swagger=SWAGGER_URL,
                            openapi=escape(openapi_url))

    @router.get("/docs")
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)

    app.include_router(router)
