"""`/api/v1/agencies/me/watches`: an agency's deconfliction watches. Cases touching a watched
identifier are flagged to the watching agency and to the agency they are routed to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from tipline.deconfliction import usecases
from tipline.deconfliction.schemas import WatchIn, WatchOut
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role, staff_actor

router = APIRouter(prefix="/api/v1/agencies/me", tags=["routing"])
agency_user = require_role("agency")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


def _watch_out(w: Any) -> WatchOut:
    return WatchOut(id=w.id, kind=w.kind, value=w.value, reference=w.reference,
                    created_at=w.created_at)


@router.get("/watches", response_model=list[WatchOut])
async def my_watches(request: Request, user: StaffUser = Depends(agency_user)
                     ) -> list[WatchOut]:
    """Your agency's active deconfliction watches."""
    found: list[Any] = await in_thread(usecases.my_watches, _state(request).db, user)
    return [_watch_out(w) for w in found]


@router.post("/watches", response_model=WatchOut, status_code=201)
async def add_watch(request: Request, body: WatchIn, user: StaffUser = Depends(agency_user)
                    ) -> WatchOut:
    """Watch an identifier of an active investigation; cases touching it are flagged to you
    and to the agency they are routed to (checked whenever a case is routed)."""
    watch = await in_thread(usecases.add_watch, _state(request).db, user,
                            staff_actor(user, request), body.kind, body.value, body.reference,
                            body.service, body.algorithm)
    return _watch_out(watch)


@router.delete("/watches/{watch_id}", status_code=204)
async def end_watch(request: Request, watch_id: int, user: StaffUser = Depends(agency_user)
                    ) -> None:
    """End a watch (another agency's watch id is a 404)."""
    await in_thread(usecases.end_watch, _state(request).db, user, staff_actor(user, request),
                    watch_id)
