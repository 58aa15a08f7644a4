"""The centre's alerts: cases that could not be routed, deliveries that became dead letters,
deadlines at risk, for the centre's staff. (An agency reads its own at
`/api/v1/agencies/me/alerts`.)"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request

from tipline.agencies.schemas import AlertOut
from tipline.alerts import usecases
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role
from tipline.users.rules import CASE_ROLES

router = APIRouter(prefix="/api/v1", tags=["routing"])
staff = require_role(*CASE_ROLES)
AlertKind = Literal["unroutable", "deadline_risk", "deconfliction", "dead_letter"]


@router.get("/alerts", response_model=list[AlertOut])
async def centre_alerts(request: Request, kind: AlertKind | None = None,
                        include_acknowledged: bool = False,
                        user: StaffUser = Depends(staff)) -> list[AlertOut]:
    """Alerts for the centre's staff, newest first: `unroutable` (a case no agency serves:
    import the registry or add an agency, then `tipline routing recompute`), ... Settled
    alerts (the case was routed since) only with `include_acknowledged=true`."""
    state: AppState = request.app.state.tipline
    found = await in_thread(usecases.staff_alerts, state.db, user, kind, include_acknowledged)
    return [AlertOut(id=a.id, kind=a.kind, case_id=a.case_id, message=a.message,
                     created_at=a.created_at, acknowledged_at=a.acknowledged_at)
            for a in found]
