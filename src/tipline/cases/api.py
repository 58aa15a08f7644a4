"""`/api/v1/cases`: cases for staff and agency users (read side)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from tipline.cases import usecases
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, current_user, staff_actor

router = APIRouter(prefix="/api/v1/cases", tags=["Cases"])


@router.get("/{case_id}")
async def get_case(request: Request, case_id: int,
                   user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """A case: summary, reports and the keys that linked them, media clusters, history. An
    agency user sees only cases routed to its agency (any other id is a 404)."""
    state: AppState = request.app.state.tipline
    view: dict[str, Any] = await in_thread(usecases.view_case, state.db, user,
                                           staff_actor(user, request), case_id)
    return view
