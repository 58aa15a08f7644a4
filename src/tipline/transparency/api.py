"""`/api/v1/scorecards`: every reporter organisation's scorecard for a period (centre staff),
as JSON or CSV; `/api/v1/transparency`: the transparency report."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from tipline.db import utcnow
from tipline.http import in_thread
from tipline.state import AppState
from tipline.transparency import period as periods
from tipline.transparency import usecases
from tipline.users.auth import StaffUser, require_role

router = APIRouter(prefix="/api/v1", tags=["Transparency"])
centre = require_role("analyst", "supervisor", "admin", "hotline_analyst")
FROM = Query(None, alias="from", description="First day, YYYY-MM-DD (default: 90 days ago)")
TO = Query(None, alias="to", description="Last day, YYYY-MM-DD (default: today)")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/scorecards")
async def scorecards(request: Request, first: str | None = FROM, last: str | None = TO,
                     user: StaffUser = Depends(centre)) -> dict[str, Any]:
    """Per reporter organisation: volume by incident type, quality over time and its most
    common findings, folding, known material, time from incident to report, share
    actionable and why not, time to desk (definitions: docs/transparency.md)."""
    period = periods.parse(first, last, utcnow().date())
    cards = await in_thread(usecases.scorecards, _state(request).db, user, period)
    return {"from": period.first.isoformat(), "to": period.last.isoformat(),
            "scorecards": [dataclasses.asdict(c) for c in cards]}


@router.get("/scorecards.csv")
async def scorecards_csv(request: Request, first: str | None = FROM, last: str | None = TO,
                         user: StaffUser = Depends(centre)) -> Response:
    """The scorecards' headline figures, one CSV row per reporter organisation."""
    period = periods.parse(first, last, utcnow().date())
    cards = await in_thread(usecases.scorecards, _state(request).db, user, period)
    return Response(usecases.scorecards_csv(cards), media_type="text/csv")
