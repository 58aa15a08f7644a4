"""Routes: a case's routes for the centre's staff, and an agency user's own routes. (The
agency registry is in `tipline.agencies.api`, watches in `tipline.deconfliction.api`.)

An agency user has role `agency` and `organisation` equal to the agency's code; it reads only
its own agency's routes (`tipline.access`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from tipline.http import in_thread
from tipline.routing import usecases
from tipline.routing.schemas import RouteOut
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role
from tipline.users.rules import CASE_ROLES

router = APIRouter(prefix="/api/v1", tags=["routing"])
agency_user = require_role("agency")
staff = require_role(*CASE_ROLES)


@router.get("/cases/{case_id}/routes", response_model=list[RouteOut])
async def case_routes(request: Request, case_id: int, all: bool = False,
                      user: StaffUser = Depends(staff)) -> list[dict[str, Any]]:
    """A case's routes (active ones; `all=true` adds the superseded history)."""
    state: AppState = request.app.state.tipline
    found: list[dict[str, Any]] = await in_thread(usecases.case_routes, state.db, user,
                                                  case_id, all)
    return found


@router.get("/agencies/me/routes", response_model=list[RouteOut])
async def my_routes(request: Request, user: StaffUser = Depends(agency_user)
                    ) -> list[dict[str, Any]]:
    """Active routes of cases routed to your agency, newest first."""
    state: AppState = request.app.state.tipline
    found: list[dict[str, Any]] = await in_thread(usecases.my_routes, state.db, user)
    return found
