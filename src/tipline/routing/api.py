"""Routing for administrators (the agency registry, retention windows), staff (a case's
routes) and agency users (their routes, alerts, deconfliction watches and forecast).

An agency user has role `agency` and `organisation` equal to the agency's code; every agency
endpoint reads only that agency's rows, so another agency's route, alert or watch is unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from starlette.exceptions import HTTPException

from tipline.errors import Invalid as RegistryError
from tipline.http import in_thread
from tipline.routing import api_bridge as service
from tipline.routing import api_bridge as store
from tipline.routing.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    AlertOut,
    RetentionIn,
    RetentionOut,
    RouteOut,
    WatchIn,
    WatchOut,
)
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role, staff_actor
from tipline.users.rules import CASE_ROLES

router = APIRouter(prefix="/api/v1", tags=["routing"])
admin = require_role("admin")
agency_user = require_role("agency")
staff = require_role(*CASE_ROLES)
T = TypeVar("T")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


async def _run(fn: Callable[[], T]) -> T:
    """Run blocking work off the event loop; registry errors are 400, unknown things 404."""
    def guarded() -> T:
        try:
            return fn()
        except RegistryError as exc:
            raise HTTPException(400, str(exc)) from exc
        except service.NotFound as exc:
            raise HTTPException(404, str(exc)) from exc

    result: T = await in_thread(guarded)
    return result


# --- administrators ------------------------------------------------------------------------

@router.get("/admin/agencies", response_model=list[AgencyOut])
async def list_agencies(request: Request, _user: StaffUser = Depends(admin)
                        ) -> list[dict[str, Any]]:
    """The agency registry with each agency's channel chain."""
    state = _state(request)

    def run() -> list[dict[str, Any]]:
        with state.db.sessions() as session:
            return service.agency_views(session)

    return await _run(run)


async def _save(request: Request, user: StaffUser, data: dict[str, Any],
                create: bool) -> dict[str, Any]:
    state = _state(request)

    def run() -> dict[str, Any]:
        with state.db.transaction() as session:
            row = service.save_agency(session, data, staff_actor(user, request), create)
            return service.agency_views(session, row.code)[0]

    return await _run(run)


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
async def list_retention(request: Request, _user: StaffUser = Depends(admin)
                         ) -> list[dict[str, Any]]:
    """Retention windows in force per country: override, jurisdiction table or default."""
    state = _state(request)

    def run() -> list[dict[str, Any]]:
        with state.db.sessions() as session:
            return service.retention_view(session, state.settings.retention_default_days)

    return await _run(run)


@router.put("/admin/retention/{country}", response_model=RetentionOut)
async def set_retention(request: Request, country: str, body: RetentionIn,
                        user: StaffUser = Depends(admin)) -> dict[str, Any]:
    """Override a country's retention window (negative or unknown country: 400)."""
    state = _state(request)

    def run() -> dict[str, Any]:
        with state.db.transaction() as session:
            row = service.set_retention(session, country, body.days, body.source,
                                        staff_actor(user, request))
            session.flush()
            found = service.retention_of(session, state.settings.retention_default_days)
            return {"country": row.country, **found(row.country).__dict__}

    return await _run(run)


# --- staff ---------------------------------------------------------------------------------

@router.get("/cases/{case_id}/routes", response_model=list[RouteOut])
async def case_routes(request: Request, case_id: int, all: bool = False,
                      _user: StaffUser = Depends(staff)) -> list[dict[str, Any]]:
    """A case's routes (active ones; `all=true` adds the superseded history)."""
    state = _state(request)

    def run() -> list[dict[str, Any]]:
        with state.db.sessions() as session:
            return service.case_routes(session, case_id, include_superseded=all)

    return await _run(run)


# --- agency users --------------------------------------------------------------------------

@router.get("/agencies/me/routes", response_model=list[RouteOut])
async def my_routes(request: Request, user: StaffUser = Depends(agency_user)
                    ) -> list[dict[str, Any]]:
    """Active routes of cases routed to your agency, newest first."""
    state = _state(request)

    def run() -> list[dict[str, Any]]:
        with state.db.sessions() as session:
            return service.routes_for(session, service.agency_for_user(session,
                                                                       user.organisation))

    return await _run(run)


@router.get("/agencies/me/alerts", response_model=list[AlertOut])
async def my_alerts(request: Request, user: StaffUser = Depends(agency_user)) -> list[AlertOut]:
    """Deadline risks and deconfliction hits addressed to your agency, newest first."""
    state = _state(request)

    def run() -> list[AlertOut]:
        with state.db.sessions() as session:
            agency = service.agency_for_user(session, user.organisation)
            return [AlertOut(id=a.id, kind=a.kind, case_id=a.case_id, message=a.message,
                             created_at=a.created_at, acknowledged_at=a.acknowledged_at)
                    for a in store.alerts_for(session, agency.id)]

    return await _run(run)


@router.get("/agencies/me/forecast")
async def my_forecast(request: Request, user: StaffUser = Depends(agency_user)
                      ) -> dict[str, Any]:
    """Queued now, expected in the next 24 h (last 7 days' rate), deadlines falling due."""
    state = _state(request)

    def run() -> dict[str, Any]:
        with state.db.sessions() as session:
            return service.forecast(session, service.agency_for_user(session,
                                                                     user.organisation))

    return await _run(run)


def _watch_out(w: Any) -> WatchOut:
    return WatchOut(id=w.id, kind=w.kind, value=w.value, reference=w.reference,
                    created_at=w.created_at)


@router.get("/agencies/me/watches", response_model=list[WatchOut])
async def my_watches(request: Request, user: StaffUser = Depends(agency_user)
                     ) -> list[WatchOut]:
    """Your agency's active deconfliction watches."""
    state = _state(request)

    def run() -> list[WatchOut]:
        with state.db.sessions() as session:
            agency = service.agency_for_user(session, user.organisation)
            return [_watch_out(w) for w in store.watches(session, agency.id)]

    return await _run(run)


@router.post("/agencies/me/watches", response_model=WatchOut, status_code=201)
async def add_watch(request: Request, body: WatchIn, user: StaffUser = Depends(agency_user)
                    ) -> WatchOut:
    """Watch an identifier of an active investigation; cases touching it are flagged to you
    and to the agency they are routed to (checked whenever a case is routed)."""
    state = _state(request)

    def run() -> WatchOut:
        with state.db.transaction() as session:
            agency = service.agency_for_user(session, user.organisation)
            watch = service.add_watch(session, agency, body.kind, body.value, body.reference,
                                      staff_actor(user, request), body.service, body.algorithm)
            return _watch_out(watch)

    return await _run(run)


@router.delete("/agencies/me/watches/{watch_id}", status_code=204)
async def end_watch(request: Request, watch_id: int, user: StaffUser = Depends(agency_user)
                    ) -> None:
    """End a watch (another agency's watch id is a 404)."""
    state = _state(request)

    def run() -> None:
        with state.db.transaction() as session:
            agency = service.agency_for_user(session, user.organisation)
            service.end_watch(session, agency, watch_id, staff_actor(user, request))

    await _run(run)
