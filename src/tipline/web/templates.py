"""The Jinja2 environment and `render`: every page is a template extending `base.html`, given
the session's user, navigation, CSRF token and flash messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from tipline.web import nav
from tipline.web.session import csrf_token, shown_user, take_flashes

TEMPLATES = Path(__file__).parent / "templates"

# Pages are served with a strict policy: scripts, styles and images only from the app itself.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def time_left(deadline: datetime | str | None, now: datetime | None = None) -> str:
    """A deadline (a datetime or ISO text) as time left ("3 d 4 h", "overdue by 2 h")."""
    if not deadline:
        return "none"
    if isinstance(deadline, str):
        deadline = datetime.fromisoformat(deadline)
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)
    seconds = int((deadline - (now or datetime.now(UTC))).total_seconds())
    text = _duration(abs(seconds))
    return f"overdue by {text}" if seconds < 0 else text


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {rest // 60} min"
    return f"{rest // 60} min"


def seconds(value: float | None) -> str:
    """A duration in seconds, readable ("4 min", "2 h 5 min")."""
    if value is None:
        return ""
    if value < 60:
        return f"{value:.0f} s"
    return _duration(int(value))


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else ""


templates = Jinja2Templates(directory=str(TEMPLATES))
def at_most(count: int, cap: int) -> str:
    """A count that stopped at `cap` (the worklist counts no further) as "10000+"."""
    return f"{cap}+" if count > cap else str(count)


templates.env.filters["time_left"] = time_left
templates.env.filters["at_most"] = at_most
templates.env.filters["when"] = when
templates.env.filters["seconds"] = seconds


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status: int = 200) -> HTMLResponse:
    # An error answered outside the session middleware (a crash) renders without a session.
    has_session = "session" in request.scope
    user = shown_user(request) if has_session else None
    page: dict[str, Any] = {
        "user": user,
        "nav": nav.items_for(user["role"]) if user else [],
        "csrf_token": csrf_token(request) if has_session else "",
        "flashes": take_flashes(request) if has_session else [],
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, page, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response
