"""The report page (staff): everything the reporter sent, its quality findings and the
decoding errors of its files."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, Request
from starlette.responses import Response

from tipline.http import in_thread
from tipline.reports import usecases
from tipline.state import AppState
from tipline.users.auth import staff_actor
from tipline.users.service import StaffUser
from tipline.web.nav import STAFF_ROLES
from tipline.web.pages import page_router
from tipline.web.session import page_role
from tipline.web.templates import render

router = page_router()
readers = page_role(*STAFF_ROLES)


def readable(document: dict[str, Any]) -> str:
    """The report's JSON form, indented: every element the reporter sent, in order."""
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)


@router.get("/reports/{report_id}")
async def report_page(request: Request, report_id: int,
                      user: StaffUser = Depends(readers)) -> Response:
    state: AppState = request.app.state.tipline
    found: usecases.StaffReport = await in_thread(usecases.staff_report, state.db, user,
                                                  staff_actor(user, request), report_id)
    return render(request, "report.html", {"r": found, "report": found.report,
                                            "document": readable(found.report.document)})
