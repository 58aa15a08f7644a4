"""`/api/v1/cases`: cases for staff (read side)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.exceptions import HTTPException

from tipline.audit.service import record
from tipline.cases.service import case_view
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, current_user, staff_actor

router = APIRouter(prefix="/api/v1/cases", tags=["Cases"])


@router.get("/{case_id}")
async def get_case(request: Request, case_id: int,
                   user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """A case: summary, reports and the keys that linked them, media clusters, history."""
    state: AppState = request.app.state.tipline
    actor = staff_actor(user, request)

    def run() -> dict[str, Any] | None:
        with state.db.transaction() as session:
            view = case_view(session, case_id)
            if view is not None:
                record(session, actor, "case.view", "case", view["id"])
            return view

    view: dict[str, Any] | None = await in_thread(run)
    if view is None:
        raise HTTPException(404, f"case {case_id} does not exist")
    return view
