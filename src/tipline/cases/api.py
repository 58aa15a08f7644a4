"""`/api/v1/cases`: read a case, and casework on it; `/api/v1/worklist/next`: take the most
urgent case nobody holds. Thin: each route parses, calls one use case, answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request

from tipline.cases import casework_usecases as casework
from tipline.cases import usecases
from tipline.cases.schemas import (
    AssignIn,
    CaseWorkOut,
    MergeIn,
    NoteIn,
    NoteOut,
    RelinkOut,
    SplitIn,
    StatusIn,
    TakeNextIn,
    TakeNextOut,
    UnlinkIn,
)
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, current_user, staff_actor

router = APIRouter(prefix="/api/v1/cases", tags=["Cases"])
queue_router = APIRouter(prefix="/api/v1/worklist", tags=["triage"])


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


def _lease(state: AppState) -> dt.timedelta:
    return dt.timedelta(minutes=state.settings.case_lease_minutes)


@router.get("/{case_id}")
async def get_case(request: Request, case_id: int,
                   user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """A case: summary, reports and the keys that linked them, media clusters, status, owner,
    notes, linking decisions, history. An agency user sees only cases routed to its agency
    (any other id is a 404)."""
    state = _state(request)
    view: dict[str, Any] = await in_thread(usecases.view_case, state.db, user,
                                           staff_actor(user, request), case_id)
    return view


@router.post("/{case_id}/take", response_model=CaseWorkOut)
async def take(request: Request, case_id: int,
               user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Take the case (or renew your lease on it); 409 when someone else holds it."""
    state = _state(request)
    work: dict[str, Any] = await in_thread(casework.take_case, state.db, _lease(state), user,
                                           staff_actor(user, request), case_id)
    return work


@router.post("/{case_id}/assign", response_model=CaseWorkOut)
async def assign(request: Request, case_id: int, body: AssignIn,
                 user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Give the case to a staff user (supervisors and administrators)."""
    work: dict[str, Any] = await in_thread(casework.assign_case, _state(request).db, user,
                                           staff_actor(user, request), case_id, body.user_id)
    return work


@router.post("/{case_id}/release", response_model=CaseWorkOut)
async def release(request: Request, case_id: int,
                  user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Let the case go (its holder; a supervisor may release anyone's)."""
    work: dict[str, Any] = await in_thread(casework.release_case, _state(request).db, user,
                                           staff_actor(user, request), case_id)
    return work


@router.post("/{case_id}/status", response_model=CaseWorkOut)
async def status(request: Request, case_id: int, body: StatusIn,
                 user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Move the case to a status; closing needs a closing reason, reopening a reason."""
    state = _state(request)
    work: dict[str, Any] = await in_thread(
        casework.change_status, state.db, _lease(state), user, staff_actor(user, request),
        case_id, body.status, body.closing_reason, body.reason)
    return work


@router.post("/{case_id}/notes", response_model=NoteOut, status_code=201)
async def add_note(request: Request, case_id: int, body: NoteIn,
                   user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Append a note (notes are never edited or deleted)."""
    state = _state(request)
    note: dict[str, Any] = await in_thread(casework.add_note, state.db, _lease(state), user,
                                           staff_actor(user, request), case_id, body.text)
    return note


@router.post("/{case_id}/split", response_model=RelinkOut)
async def split(request: Request, case_id: int, body: SplitIn,
                user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Move a report out into a new case; linking keeps the two apart from now on."""
    result: dict[str, Any] = await in_thread(
        casework.split_report, _state(request).db, user, staff_actor(user, request), case_id,
        body.report_id, body.reason)
    return result


@router.post("/{case_id}/unlink", response_model=RelinkOut)
async def unlink(request: Request, case_id: int, body: UnlinkIn,
                 user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Remove a wrong link between two reports; a part left unconnected becomes a new case."""
    result: dict[str, Any] = await in_thread(
        casework.unlink_reports, _state(request).db, user, staff_actor(user, request),
        case_id, body.report_id, body.other_report_id, body.reason)
    return result


@router.post("/{case_id}/merge", response_model=RelinkOut)
async def merge(request: Request, case_id: int, body: MergeIn,
                user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Merge another case into this one by hand."""
    result: dict[str, Any] = await in_thread(
        casework.merge_cases, _state(request).db, user, staff_actor(user, request), case_id,
        body.other_case_id, body.reason)
    return result


@queue_router.post("/next", response_model=TakeNextOut)
async def take_next(request: Request, body: TakeNextIn | None = None,
                    user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """Take the most urgent case nobody holds, in the worklist's order, with a lease."""
    state, wanted = _state(request), body or TakeNextIn()
    work = await in_thread(casework.take_next, state.db, _lease(state), user,
                           staff_actor(user, request), wanted.level, wanted.statuses)
    return {"case": work}
