"""Scorecards of the reporter organisations and the transparency report (centre staff):
the same use cases as `/api/v1/scorecards` and `tipline report transparency`."""

from __future__ import annotations

from fastapi import Depends, Query, Request
from starlette.responses import Response

from tipline.access import CENTRE_ROLES
from tipline.db import utcnow
from tipline.errors import NotFound
from tipline.http import in_thread
from tipline.state import AppState
from tipline.transparency import period as periods
from tipline.transparency import render as report_formats
from tipline.transparency import usecases
from tipline.transparency.figures import Scorecard
from tipline.users.service import StaffUser
from tipline.web.pages import page_router
from tipline.web.session import page_role
from tipline.web.templates import render

router = page_router()
centre = page_role(*CENTRE_ROLES)
FROM = Query(None, alias="from")
TO = Query(None, alias="to")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/scorecards")
async def scorecards(request: Request, first: str | None = FROM, last: str | None = TO,
                     user: StaffUser = Depends(centre)) -> Response:
    period = periods.parse(first, last, utcnow().date())
    cards: list[Scorecard] = await in_thread(usecases.scorecards, _state(request).db, user,
                                             period)
    return render(request, "scorecards.html", {"cards": cards, "period": period})


@router.get("/scorecards.csv")
async def scorecards_csv(request: Request, first: str | None = FROM, last: str | None = TO,
                         user: StaffUser = Depends(centre)) -> Response:
    period = periods.parse(first, last, utcnow().date())
    cards: list[Scorecard] = await in_thread(usecases.scorecards, _state(request).db, user,
                                             period)
    name = f"scorecards-{period.first}-{period.last}.csv"
    return Response(usecases.scorecards_csv(cards), media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/transparency")
async def transparency(request: Request, first: str | None = FROM, last: str | None = TO,
                       user: StaffUser = Depends(centre)) -> Response:
    """The transparency report of a period, with its charts; downloads in every format."""
    period = periods.parse(first, last, utcnow().date())
    body: str = await in_thread(usecases.report_page, _state(request).db, user, period)
    return render(request, "transparency.html", {"body": body, "period": period,
                                                 "formats": report_formats.FORMATS})


@router.get("/transparency/report.{fmt}")
async def transparency_download(request: Request, fmt: str, first: str | None = FROM,
                                last: str | None = TO,
                                user: StaffUser = Depends(centre)) -> Response:
    """The report as `tipline report transparency` writes it (html, csv or json)."""
    if fmt not in report_formats.FORMATS:
        raise NotFound(f"no format {fmt!r}")
    period = periods.parse(first, last, utcnow().date())
    data: bytes = await in_thread(usecases.render_report, _state(request).db, user, period,
                                  fmt)
    name = f"transparency-{period.first}-{period.last}.{fmt}"
    return Response(data, media_type=report_formats.MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
