"""The dashboard (centre staff): volumes, reports folded into cases, time to desk and
deadlines met over the last days, as inline SVG charts with their numbers in tables."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.responses import Response

from tipline.access import CENTRE_ROLES
from tipline.dashboard import usecases
from tipline.dashboard.service import Figures
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.service import StaffUser
from tipline.web.charts import bar_chart
from tipline.web.pages import page_router
from tipline.web.session import page_role
from tipline.web.templates import render

router = page_router()
centre = page_role(*CENTRE_ROLES)
WINDOWS = (7, 14, 30, 90)


@router.get("/dashboard")
async def dashboard(request: Request, days: int = 14,
                    user: StaffUser = Depends(centre)) -> Response:
    state: AppState = request.app.state.tipline
    found: Figures = await in_thread(usecases.figures, state.db, user, days)
    charts = {
        "per_day": bar_chart("Reports per day", found.per_day),
        "by_type": bar_chart("Reports by incident type", found.by_type),
        "by_reporter": bar_chart("Reports by reporter", found.by_reporter),
        "by_country": bar_chart("Cases by country routed to", found.by_country),
        "folded": bar_chart("Reports and the cases they fold into",
                            [("reports", found.reports), ("cases", found.cases)]),
        "deadlines": bar_chart("Deadlines", list(found.deadlines.items())),
        "desk": bar_chart("Time to desk, median hours",
                          [(d.agency, round((d.p50 or 0) / 3600, 1)) for d in found.desk]),
    }
    return render(request, "dashboard.html", {"figures": found, "charts": charts,
                                              "windows": WINDOWS})
