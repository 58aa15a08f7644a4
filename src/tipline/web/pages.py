"""Routers for pages: CSRF checked on every unsafe method, hidden from the OpenAPI schema.

Every page module makes its router with `page_router()`; `tipline.web.app` includes it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends
from starlette.responses import HTMLResponse, RedirectResponse

from tipline.web.session import check_csrf


def page_router(**kwargs: Any) -> APIRouter:
    return APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False,
                     default_response_class=HTMLResponse, **kwargs)


def see_other(url: str) -> RedirectResponse:
    """The answer to a form that worked: go to `url` with GET (post/redirect/get)."""
    return RedirectResponse(url, status_code=303)


def local_path(target: str | None, default: str) -> str:
    """`target` when it is a path on this site (never another host: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
