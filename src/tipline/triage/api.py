"""The worklist: open cases, most urgent first."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from tipline.http import in_thread
from tipline.state import AppState
from tipline.triage import store, usecases
from tipline.triage.schemas import WorklistItem
from tipline.users.auth import require_role
from tipline.users.rules import CASE_ROLES
from tipline.users.service import StaffUser

router = APIRouter(prefix="/api/v1", tags=["triage"])
readers = require_role(*CASE_ROLES, "agency")  # an agency sees its own cases (tipline.access)


def items(rows: list[store.WorklistRow]) -> list[WorklistItem]:
    return [WorklistItem(case_id=r.case.id, level=r.case.priority_level,
                         label=r.case.priority_label, score=r.case.priority_score,
                         reasons=list(r.case.priority_reasons or []),
                         deadline=r.case.deadline, reports=r.reports, last_seen=r.case.last_seen)
            for r in rows]


@router.get("/worklist", response_model=list[WorklistItem])
async def worklist(request: Request,
                   level: str | None = Query(None, pattern=r"^P[0-9]$",
                                             description="only cases at this level"),
                   limit: int = Query(100, ge=1, le=1000),
                   user: StaffUser = Depends(readers)) -> list[WorklistItem]:
    """Open cases ordered by priority level, then the nearest retention deadline, then score.
    An agency user sees only the cases routed to its agency."""
    state: AppState = request.app.state.tipline
    rows: list[store.WorklistRow] = await in_thread(usecases.worklist, state.db, user, level,
                                                    limit)
    return items(rows)
