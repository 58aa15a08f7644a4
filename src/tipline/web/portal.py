"""The reporter portal: a reporter organisation's staff see their organisation's own reports,
each one's status, quality findings and progress through the pipeline (the read model of the
reporter API's status calls), and the outcomes agencies shared."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.responses import Response

from tipline.http import in_thread
from tipline.outcomes import page_usecases as outcome_pages
from tipline.outcomes import usecases as outcomes
from tipline.reports import usecases
from tipline.reports.schemas import ReportStatusOut
from tipline.state import AppState
from tipline.users.service import StaffUser
from tipline.web.pages import page_router
from tipline.web.session import page_role
from tipline.web.templates import render

router = page_router()
reporter_user = page_role("reporter")
PAGE_SIZE = 50


@router.get("/portal")
async def portal(request: Request, page: int = 1,
                 user: StaffUser = Depends(reporter_user)) -> Response:
    state: AppState = request.app.state.tipline
    page = max(1, page)
    rows: list[ReportStatusOut] = await in_thread(usecases.portal_statuses, state.db, user,
                                                  PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    return render(request, "portal.html", {"reports": rows[:PAGE_SIZE], "page": page,
                                           "more": len(rows) > PAGE_SIZE,
                                           "organisation": user.organisation})


@router.get("/portal/reports/{report_id}")
async def portal_report(request: Request, report_id: int,
                        user: StaffUser = Depends(reporter_user)) -> Response:
    state: AppState = request.app.state.tipline
    report: ReportStatusOut = await in_thread(usecases.portal_status, state.db, user,
                                              report_id)
    status: str = await in_thread(outcome_pages.portal_outcome_status, state.db, user,
                                  report_id)
    return render(request, "portal_report.html", {"report": report, "outcome_status": status})


@router.get("/portal/outcomes")
async def portal_outcomes(request: Request, report_id: int | None = None,
                          user: StaffUser = Depends(reporter_user)) -> Response:
    """What agencies did with the organisation's reports (those no longer confidential)."""
    state: AppState = request.app.state.tipline
    rows: list[dict[str, object]] = await in_thread(outcomes.portal_outcomes, state.db, user,
                                                    report_id)
    return render(request, "portal_outcomes.html", {"outcomes": rows, "report_id": report_id})
