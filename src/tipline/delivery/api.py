"""`/api/v1/agencies/me/...`: an agency pulls its queue; `/api/v1/deliveries`: staff figures.

An agency user (role `agency`, `organisation` = the agency's code) sees only deliveries routed
to that agency: every lookup is by (agency, delivery id), so another agency's id is a 404.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.responses import Response

from tipline.db import utcnow
from tipline.delivery import usecases
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role, staff_actor

router = APIRouter(tags=["Delivery"])
agency_user = require_role("agency")
desk_readers = require_role("analyst", "supervisor", "admin")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/api/v1/agencies/me/queue")
async def my_queue(request: Request, user: StaffUser = Depends(agency_user)
                   ) -> dict[str, Any]:
    """Packages routed to your agency and not yet acknowledged, oldest first."""
    found: dict[str, Any] = await in_thread(usecases.my_queue, _state(request).db, user)
    return found


async def _download(request: Request, user: StaffUser, delivery_id: int, what: str,
                    media_type: str) -> Response:
    pulled: usecases.Pulled = await in_thread(usecases.pull, _state(request), user,
                                              staff_actor(user, request), delivery_id, what)
    return Response(pulled.body, media_type=media_type, headers={
        "Idempotency-Key": pulled.idempotency_key, "X-Tipline-Case": str(pulled.case_id),
        "X-Tipline-Version": pulled.case_version})


@router.get("/api/v1/agencies/me/deliveries/{delivery_id}/package.json")
async def package_json(request: Request, delivery_id: int,
                       user: StaffUser = Depends(agency_user)) -> Response:
    """The case package as JSON (format `tipline.case-package/1`)."""
    return await _download(request, user, delivery_id, "json", "application/json")


@router.get("/api/v1/agencies/me/deliveries/{delivery_id}/package.xml")
async def package_xml(request: Request, delivery_id: int,
                      user: StaffUser = Depends(agency_user)) -> Response:
    """The case package as CyberTipline-style XML in a tipline case envelope."""
    return await _download(request, user, delivery_id, "xml", "application/xml")


@router.get("/api/v1/agencies/me/deliveries/{delivery_id}/bundle")
async def bundle(request: Request, delivery_id: int,
                 user: StaffUser = Depends(agency_user)) -> Response:
    """The case's evidence files, encrypted for your agency's X25519 key (format TLB1)."""
    return await _download(request, user, delivery_id, "bundle", "application/octet-stream")


@router.post("/api/v1/agencies/me/deliveries/{delivery_id}/ack")
async def acknowledge(request: Request, delivery_id: int,
                      detail: dict[str, Any] | None = Body(None),
                      user: StaffUser = Depends(agency_user)) -> dict[str, Any]:
    """Acknowledge receipt: the delivery leaves your queue and its time to desk is recorded.
    Acknowledging twice changes nothing."""
    found: dict[str, Any] = await in_thread(usecases.acknowledge, _state(request).db, user,
                                            staff_actor(user, request), delivery_id,
                                            detail or {})
    return found


@router.get("/api/v1/deliveries/time-to-desk")
async def time_to_desk(request: Request,
                       since_hours: float | None = Query(
                           None, ge=0, le=24 * 366 * 100, allow_inf_nan=False,
                           description="Only reports finished in the last this many hours "
                                       "(at most a century)."),
                       user: StaffUser = Depends(desk_readers)) -> dict[str, Any]:
    """Per agency: p50/p95/max seconds from a report's finish to the agency's acknowledgement."""
    since = utcnow() - dt.timedelta(hours=since_hours) if since_hours else None
    rows = await in_thread(usecases.time_to_desk, _state(request).db, user, since)
    return {"agencies": [dataclasses.asdict(r) for r in rows]}
