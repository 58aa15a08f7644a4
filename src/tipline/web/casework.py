"""Casework pages: the casework panel of a case (status, holder, notes, history and the forms
to take, release, assign, change status, add a note, split, unlink and merge), and `take next`
from the worklist.

Every form works without JavaScript (post, then redirect to the case's casework page); with
htmx, a form posts in the background and the redirect brings back only the panel
(`?partial=1`), swapped in place. Each handler calls one use case; errors are answered by
`web_errors` (a 409 for a case someone else holds, shown next to the forms by tipline.js).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Depends, Form, Request
from starlette.responses import Response

from tipline.cases import casework_usecases as usecases
from tipline.errors import Invalid
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import staff_actor
from tipline.users.service import StaffUser
from tipline.web.nav import STAFF_ROLES
from tipline.web.pages import page_router, see_other
from tipline.web.session import flash, page_role
from tipline.web.templates import render

router = page_router()
readers = page_role(*STAFF_ROLES)


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


def _lease(request: Request) -> dt.timedelta:
    return dt.timedelta(minutes=_state(request).settings.case_lease_minutes)


def _back(request: Request, case_id: int, message: str) -> Response:
    """After an act: the panel alone for htmx (which follows the redirect), else the page."""
    flash(request, message, "success")
    partial = "?partial=1" if request.headers.get("HX-Request") else ""
    return see_other(f"/cases/{case_id}/work{partial}")


@router.get("/cases/{case_id}/work")
async def casework_page(request: Request, case_id: int, partial: bool = False,
                        user: StaffUser = Depends(readers)) -> Response:
    page: dict[str, Any] = await in_thread(usecases.casework_page, _state(request).db, user,
                                           staff_actor(user, request), case_id)
    return render(request, "casework.html" if partial else "casework_page.html",
                  {**page, "partial": partial})


@router.post("/worklist/next")
async def take_next(request: Request, user: StaffUser = Depends(readers)) -> Response:
    work = await in_thread(usecases.take_next, _state(request).db, _lease(request), user,
                           staff_actor(user, request))
    if work is None:
        flash(request, "No case is waiting: every open case is held by someone.", "info")
        return see_other("/worklist")
    flash(request, f"You took case {work['case_id']}.", "success")
    return see_other(f"/cases/{work['case_id']}/work")


@router.post("/cases/{case_id}/take")
async def take(request: Request, case_id: int, user: StaffUser = Depends(readers)) -> Response:
    await in_thread(usecases.take_case, _state(request).db, _lease(request), user,
                    staff_actor(user, request), case_id)
    return _back(request, case_id, "The case is yours.")


@router.post("/cases/{case_id}/release")
async def release(request: Request, case_id: int,
                  user: StaffUser = Depends(readers)) -> Response:
    await in_thread(usecases.release_case, _state(request).db, user,
                    staff_actor(user, request), case_id)
    return _back(request, case_id, "The case is released.")


@router.post("/cases/{case_id}/assign")
async def assign(request: Request, case_id: int, user_id: int = Form(...),
                 user: StaffUser = Depends(readers)) -> Response:
    work = await in_thread(usecases.assign_case, _state(request).db, user,
                           staff_actor(user, request), case_id, user_id)
    return _back(request, case_id, f"Assigned to {work['owner']}.")


@router.post("/cases/{case_id}/status")
async def status(request: Request, case_id: int, status: str = Form(...),
                 closing_reason: str = Form(""), reason: str = Form(""),
                 user: StaffUser = Depends(readers)) -> Response:
    work = await in_thread(usecases.change_status, _state(request).db, _lease(request), user,
                           staff_actor(user, request), case_id, status,
                           closing_reason or None, reason or None)
    return _back(request, case_id, f"The case is now {work['status'].replace('_', ' ')}.")


@router.post("/cases/{case_id}/notes")
async def add_note(request: Request, case_id: int, text: str = Form(""),
                   user: StaffUser = Depends(readers)) -> Response:
    await in_thread(usecases.add_note, _state(request).db, _lease(request), user,
                    staff_actor(user, request), case_id, text)
    return _back(request, case_id, "Note added.")


@router.post("/cases/{case_id}/split")
async def split(request: Request, case_id: int, report_id: int = Form(...),
                reason: str = Form(""), user: StaffUser = Depends(readers)) -> Response:
    result = await in_thread(usecases.split_report, _state(request).db, user,
                             staff_actor(user, request), case_id, report_id, reason)
    return _back(request, case_id, f"Report {report_id} is now case "
                 f"{result['new_case_ids'][0]}, kept apart from this one.")


@router.post("/cases/{case_id}/unlink")
async def unlink(request: Request, case_id: int, link: str = Form(...),
                 reason: str = Form(""), user: StaffUser = Depends(readers)) -> Response:
    report_id, other_report_id = _link(link)
    result = await in_thread(usecases.unlink_reports, _state(request).db, user,
                             staff_actor(user, request), case_id, report_id, other_report_id,
                             reason)
    split_off = ", ".join(str(c) for c in result["new_case_ids"])
    return _back(request, case_id, "Link removed." + (
        f" Reports no longer connected are now case {split_off}." if split_off else ""))


@router.post("/cases/{case_id}/merge")
async def merge(request: Request, case_id: int, other_case_id: int = Form(...),
                reason: str = Form(""), user: StaffUser = Depends(readers)) -> Response:
    await in_thread(usecases.merge_cases, _state(request).db, user, staff_actor(user, request),
                    case_id, other_case_id, reason)
    return _back(request, case_id, f"Case {other_case_id} was merged into this case.")


def _link(value: str) -> tuple[int, int]:
    """A link chosen in the unlink form: "<report>-<report it was linked to>"."""
    left, _, right = value.partition("-")
    if not (left.isdigit() and right.isdigit()):
        raise Invalid("choose one of the links listed")
    return int(left), int(right)
