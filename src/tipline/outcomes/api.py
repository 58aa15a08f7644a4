"""Outcomes over HTTP: agencies post them (`/api/v1/agencies/me/outcomes`, or a signed
package to `/api/v1/agencies/{code}/outcomes/package`), reporters read theirs and set their
webhook (`/api/v1/reporters/me/...`, HTTP basic), anyone reads the vocabulary."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from tipline.delivery.rules import SIGNATURE_HEADER
from tipline.delivery.worker import outbound_policy
from tipline.http import actor_for, current_reporter, in_thread, read_body
from tipline.outcomes import rules, usecases
from tipline.outcomes.schemas import OutcomeBody, WebhookIn
from tipline.reporters.service import AuthenticatedReporter
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role, staff_actor

router = APIRouter(prefix="/api/v1", tags=["Outcomes"])
agency_user = require_role("agency")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/outcomes/vocabulary")
async def vocabulary() -> dict[str, Any]:
    """The outcome vocabulary (`tipline.outcomes/1`): codes, what each means, reasons."""
    return rules.vocabulary()


@router.post("/agencies/me/outcomes", status_code=201)
async def post_outcome(request: Request, body: OutcomeBody,
                       user: StaffUser = Depends(agency_user)) -> dict[str, Any]:
    """Record an outcome of a case routed to your agency (another case: 404)."""
    found: dict[str, Any] = await in_thread(usecases.record, _state(request).db, user,
                                            staff_actor(user, request), body)
    return found


@router.get("/agencies/me/outcomes")
async def my_outcomes(request: Request, case_id: int | None = None,
                      user: StaffUser = Depends(agency_user)) -> dict[str, Any]:
    """The outcomes your agency recorded, newest first."""
    found = await in_thread(usecases.agency_outcomes, _state(request).db, user, case_id)
    return {"outcomes": found}


@router.post("/agencies/{code}/outcomes/package", status_code=201)
async def post_package(request: Request, code: str) -> dict[str, Any]:
    """A package of outcomes (`tipline.outcome-package/1`) signed with your agency's webhook
    secret in `X-Tipline-Signature`, as deliveries are; every outcome needs a reference."""
    body = await read_body(request)
    found: dict[str, Any] = await in_thread(
        usecases.record_package, _state(request).db, code,
        request.headers.get(SIGNATURE_HEADER, ""), body,
        request.client.host if request.client else None)
    return found


@router.get("/reporters/me/outcomes")
async def reporter_outcomes(request: Request, report_id: int | None = None,
                            reporter: AuthenticatedReporter = Depends(current_reporter)
                            ) -> dict[str, Any]:
    """The outcomes of your reports that are no longer held confidential, newest first."""
    found = await in_thread(usecases.reporter_outcomes, _state(request).db, reporter.id,
                            report_id)
    return {"outcomes": found}


@router.get("/reporters/me/reports/{report_id}/outcome-status")
async def coarse_status(request: Request, report_id: int,
                        reporter: AuthenticatedReporter = Depends(current_reporter)
                        ) -> dict[str, Any]:
    """One report's coarse status: pending, received, actioned, not actionable, closed."""
    found = await in_thread(usecases.coarse_status, _state(request).db, reporter.id,
                            report_id)
    return {"report_id": report_id, "status": found}


@router.put("/reporters/me/outcome-webhook")
async def set_webhook(request: Request, body: WebhookIn,
                      reporter: AuthenticatedReporter = Depends(current_reporter)
                      ) -> dict[str, Any]:
    """Receive each outcome of your reports as a signed POST (`X-Tipline-Signature`)."""
    state = _state(request)
    found: dict[str, Any] = await in_thread(
        usecases.set_webhook, state.db, outbound_policy(state.settings), reporter.id,
        body.url, body.secret, body.active, actor_for(reporter, request))
    return found
