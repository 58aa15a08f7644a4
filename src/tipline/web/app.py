"""Mounts the web UI on the FastAPI app: session cookie, static files, the offline API docs
and every page router."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from tipline.state import AppState
from tipline.web import (
    admin,
    banks,
    cases,
    casework,
    dashboard,
    inbox,
    login,
    portal,
    public_report,
    reports,
    review,
    takedown,
    transparency,
    worklist,
)
from tipline.web.docs import install_docs
from tipline.web.session import SESSION_COOKIE

STATIC = Path(__file__).parent / "static"
PAGE_ROUTERS = [login.router, worklist.router, cases.router, reports.router, casework.router,
                review.router, inbox.router, portal.router, admin.router, banks.router,
                dashboard.router, transparency.router, takedown.router, public_report.router]


def session_secret(state: AppState) -> str:
    # Its own key, derived from the one secret, so a session cookie signs nothing else.
    return f"{state.settings.secret_key}:web-session"


def install(app: FastAPI, state: AppState) -> None:
    settings = state.settings
    app.add_middleware(SessionMiddleware, secret_key=session_secret(state),
                       session_cookie=SESSION_COOKIE,
                       max_age=max(1, round(settings.session_minutes * 60)), same_site="lax",
                       https_only=settings.environment == "production")
    install_docs(app)  # before /static: its files are under /static/swagger-ui
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
