"""`/api/v1/agencies/me/...`: an agency pulls its queue; `/api/v1/deliveries`: staff figures.

An agency user (role `agency`, `organisation` = the agency's code) sees only deliveries routed
to that agency: every lookup is by (agency, delivery id), so another agency's id is a 404.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from tipline.audit.service import Actor
from tipline.db import utcnow
from tipline.delivery import packages, service
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role, staff_actor

router = APIRouter(tags=["Delivery"])
agency_user = require_role("agency")
Build = Callable[[Any, packages.Package, Actor], bytes]


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/api/v1/agencies/me/queue")
async def my_queue(request: Request, user: StaffUser = Depends(agency_user)
                   ) -> dict[str, Any]:
    """Packages routed to your agency and not yet acknowledged, oldest first."""
    state = _state(request)

    def run() -> dict[str, Any]:
        with state.db.sessions() as session:
            agency = service.agency_for_code(session, user.organisation)
            return {"agency": agency.code, "items": service.queue(session, agency)}

    return await _guarded(run)


async def _download(request: Request, user: StaffUser, delivery_id: int, what: str,
                    build: Build, media_type: str) -> Response:
    state, actor = _state(request), staff_actor(user, request)

    def run() -> tuple[bytes, packages.Package] | service.StalePackage:
        with state.db.transaction() as session:
            agency = service.agency_for_code(session, user.organisation)
            try:
                package = service.pulled(session, agency, delivery_id, actor, what)
            except service.StalePackage as stale:  # commit the supersede, then say so
                return stale
            return build(session, package, actor), package

    result = await _guarded(run)
    if isinstance(result, service.StalePackage):
        newer = result.replacement.id if result.replacement else None
        raise HTTPException(409, f"the case changed; a newer delivery replaces this one "
                                 f"({newer})")
    body, package = result
    d = package.delivery
    return Response(body, media_type=media_type, headers={
        "Idempotency-Key": d.idempotency_key, "X-Tipline-Case": str(d.case_id),
        "X-Tipline-Version": d.case_version})


@router.get("/api/v1/agencies/me/deliveries/{delivery_id}/package.json")
async def package_json(request: Request, delivery_id: int,
                       user: StaffUser = Depends(agency_user)) -> Response:
    """The case package as JSON (format `tipline.case-package/1`)."""
    return await _download(request, user, delivery_id, "json",
                           lambda _s, p, _a: packages.json_bytes(p, utcnow()),
                           "application/json")


@router.get("/api/v1/agencies/me/deliveries/{delivery_id}/package.xml")
async def package_xml(request: Request, delivery_id: int,
                      user: StaffUser = Depends(agency_user)) -> Response:
    """The case package as CyberTipline-style XML in a tipline case envelope."""
    schema = _state(request).schema
    return await _download(request, user, delivery_id, "xml",
                           lambda _s, p, _a: packages.xml_bytes(p, schema, utcnow()),
                           "application/xml")


@router.get("/api/v1/agencies/me/deliveries/{delivery_id}/bundle")
async def bundle(request: Request, delivery_id: int,
                 user: StaffUser = Depends(agency_user)) -> Response:
    """The case's evidence files, encrypted for your agency's X25519 key (format TLB1)."""
    evidence = _state(request).evidence
    return await _download(request, user, delivery_id, "bundle",
                           lambda s, p, a: service.evidence_bundle(s, evidence, a, p),
                           "application/octet-stream")


@router.post("/api/v1/agencies/me/deliveries/{delivery_id}/ack")
async def acknowledge(request: Request, delivery_id: int,
                      detail: dict[str, Any] | None = Body(None),
                      user: StaffUser = Depends(agency_user)) -> dict[str, Any]:
    """Acknowledge receipt: the delivery leaves your queue and its time to desk is recorded.
    Acknowledging twice changes nothing."""
    state, actor = _state(request), staff_actor(user, request)

    def run() -> dict[str, Any]:
        with state.db.transaction() as session:
            agency = service.agency_for_code(session, user.organisation)
            d = service.acknowledge(session, agency, delivery_id, actor, detail or {})
            return {"delivery_id": d.id, "status": d.status,
                    "acknowledged_at": d.acknowledged_at.isoformat()
                    if d.acknowledged_at else None}

    return await _guarded(run)


@router.get("/api/v1/deliveries/time-to-desk",
            dependencies=[Depends(require_role("analyst", "supervisor", "admin"))])
async def time_to_desk(request: Request, since_hours: float | None = None) -> dict[str, Any]:
    """Per agency: p50/p95/max seconds from a report's finish to the agency's acknowledgement."""
    state = _state(request)
    since = utcnow() - dt.timedelta(hours=since_hours) if since_hours else None

    def run() -> dict[str, Any]:
        with state.db.sessions() as session:
            rows = service.time_to_desk(session, since)
        return {"agencies": [dataclasses.asdict(r) for r in rows]}

    return await _guarded(run)


async def _guarded(fn: Callable[[], Any]) -> Any:
    try:
        return await in_thread(fn)
    except service.DeliveryNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:  # e.g. an agency without a public key asks for a bundle
        raise HTTPException(409, str(exc)) from exc
