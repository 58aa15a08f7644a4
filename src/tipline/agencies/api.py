"""The agency registry for administrators (agencies, retention windows) and an agency user's
own forecast and alerts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from tipline.agencies import usecases
from tipline.agencies.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    AlertOut,
    RetentionIn,
    RetentionOut,
)
from tipline.http import in_thread
from tipline.outbound import Destinations
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role, staff_actor

router = APIRouter(prefix="/api/v1", tags=["routing"])
admin = require_role("admin")
agency_user = require_role("agency")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


# --- administrators ------------------------------------------------------------------------

@router.get("/admin/agencies", response_model=list[AgencyOut])
async def list_agencies(request: Request, user: StaffUser = Depends(admin)
                        ) -> list[dict[str, Any]]:
    """The agency registry with each agency's channel chain."""
    found: list[dict[str, Any]] = await in_thread(usecases.list_agencies, _state(request).db,
                                                  user)
    return found


async def _save(request: Request, user: StaffUser, data: dict[str, Any],
                create: bool) -> dict[str, Any]:
    state = _state(request)
    saved: dict[str, Any] = await in_thread(usecases.save_agency, state.db, user,
                                            staff_actor(user, request), data, create,
                                            Destinations.from_settings(state.settings))
    return saved


@router.post("/admin/agencies", response_model=AgencyOut, status_code=201)
async def add_agency(request: Request, body: AgencyIn, user: StaffUser = Depends(admin)
                     ) -> dict[str, Any]:
    """Add an agency; an unknown country code or intermediary is refused (400)."""
    return await _save(request, user, body.model_dump(), create=True)


@router.patch("/admin/agencies/{code}", response_model=AgencyOut)
async def update_agency(request: Request, code: str, body: AgencyPatch,
                        user: StaffUser = Depends(admin)) -> dict[str, Any]:
    """Change an agency (`active: false` disables it)."""
    data = {**body.model_dump(exclude_unset=True), "code": code}
    return await _save(request, user, data, create=False)


@router.get("/admin/retention", response_model=list[RetentionOut])
async def list_retention(request: Request, user: StaffUser = Depends(admin)
                         ) -> list[dict[str, Any]]:
    """Retention windows in force per country: override, jurisdiction table or default."""
    state = _state(request)
    found: list[dict[str, Any]] = await in_thread(
        usecases.list_retention, state.db, user, state.settings.retention_default_days)
    return found


@router.put("/admin/retention/{country}", response_model=RetentionOut)
async def set_retention(request: Request, country: str, body: RetentionIn,
                        user: StaffUser = Depends(admin)) -> dict[str, Any]:
    """Override a country's retention window (negative or unknown country: 400)."""
    state = _state(request)
    found: dict[str, Any] = await in_thread(
        usecases.set_retention, state.db, user, staff_actor(user, request), country, body.days,
        body.source, state.settings.retention_default_days)
    return found


# --- agency users --------------------------------------------------------------------------

@router.get("/agencies/me/alerts", response_model=list[AlertOut])
async def my_alerts(request: Request, user: StaffUser = Depends(agency_user)) -> list[AlertOut]:
    """Deadline risks and deconfliction hits addressed to your agency, newest first."""
    alerts: list[Any] = await in_thread(usecases.my_alerts, _state(request).db, user)
    return [AlertOut(id=a.id, kind=a.kind, case_id=a.case_id, message=a.message,
                     created_at=a.created_at, acknowledged_at=a.acknowledged_at)
            for a in alerts]


@router.get("/agencies/me/forecast")
async def my_forecast(request: Request, user: StaffUser = Depends(agency_user)
                      ) -> dict[str, Any]:
    """Queued now, expected in the next 24 h (last 7 days' rate), deadlines falling due."""
    found: dict[str, Any] = await in_thread(usecases.my_forecast, _state(request).db, user)
    return found
