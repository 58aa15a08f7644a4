"""Classification, the legal gate and evidence viewing for staff: thin routes over the service."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response, StreamingResponse

from tipline.audit.service import record
from tipline.classification import service
from tipline.classification.jurisdictions import load_table
from tipline.classification.models import MediaFact
from tipline.classification.render import wellness_png
from tipline.classification.schemas import (
    AuthorityIn,
    AuthorityOut,
    ClassificationOut,
    FactIn,
    FactOut,
    GateOut,
)
from tipline.evidence.service import read_evidence
from tipline.hashing.errors import MediaError
from tipline.http import in_thread
from tipline.reports.models import ReportFile
from tipline.state import AppState
from tipline.triage.policy import current_policy
from tipline.triage.service import recompute_for_reports
from tipline.users.auth import Forbidden, current_user, require_role, staff_actor
from tipline.users.rules import AUTHORITY_ROLES, CASE_ROLES
from tipline.users.service import StaffUser

router = APIRouter(prefix="/api/v1", tags=["classification"])
reviewer = require_role(*CASE_ROLES)
authoriser = require_role(*AUTHORITY_ROLES)


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


def _fact_out(fact: MediaFact) -> FactOut:
    return FactOut(id=fact.id, file_id=fact.file_id, cluster_id=fact.cluster_id,
                   source=fact.source, source_ref=fact.source_ref, age_band=fact.age_band,
                   activity=fact.activity, nature=fact.nature, note=fact.note,
                   recorded_at=fact.recorded_at)


@router.get("/jurisdictions")
async def jurisdictions(_user: StaffUser = Depends(reviewer)) -> list[dict[str, Any]]:
    """The jurisdiction table (data to review, not legal advice)."""
    return [asdict(row) for row in load_table().values()]


@router.get("/files/{file_id}/classification", response_model=ClassificationOut)
async def classification(request: Request, file_id: str,
                         jurisdiction: list[str] | None = Query(None),
                         _user: StaffUser = Depends(reviewer)) -> ClassificationOut:
    """Facts from every source, the effective facts with disagreements, and derived verdicts."""
    state = _state(request)

    def run() -> ClassificationOut:
        with state.db.sessions() as session:
            try:
                found = service.classify_file(session, file_id, jurisdiction)
            except service.NotFound as exc:
                raise HTTPException(404, str(exc)) from exc
            effective = asdict(found.effective)
            return ClassificationOut(
                file_id=found.file_id, cluster_id=found.cluster_id,
                facts=[_fact_out(f) for f in found.facts], effective=effective,
                baseline=found.baseline, baseline_reason=found.baseline_reason,
                verdicts=[asdict(v) for v in found.verdicts])

    result: ClassificationOut = await in_thread(run)
    return result


async def _review(request: Request, user: StaffUser, body: FactIn, **target: Any) -> FactOut:
    state = _state(request)

    def run() -> FactOut:
        with state.db.transaction() as session:
            try:
                review = service.record_review(
                    session, user, staff_actor(user, request), age_band=body.age_band,
                    activity=body.activity, nature=body.nature, note=body.note, **target)
                # A review can change a case's priority (e.g. an infant): re-triage its cases.
                recompute_for_reports(  # queued on the work queue after merge
                    session, review.report_ids, current_policy(state.settings.triage_policy_path))
                fact = review.fact
            except service.NotFound as exc:
                raise HTTPException(404, str(exc)) from exc
            except ValueError as exc:
                raise HTTPException(400, str(exc)) from exc
            return _fact_out(fact)

    result: FactOut = await in_thread(run)
    return result


@router.post("/files/{file_id}/facts", response_model=FactOut, status_code=201)
async def review_file(request: Request, file_id: str, body: FactIn,
                      user: StaffUser = Depends(reviewer)) -> FactOut:
    """Record an analyst's review of one file; it takes precedence over other sources."""
    return await _review(request, user, body, file_id=file_id)


@router.post("/clusters/{cluster_id}/facts", response_model=FactOut, status_code=201)
async def review_cluster(request: Request, cluster_id: int, body: FactIn,
                         user: StaffUser = Depends(reviewer)) -> FactOut:
    """Record an analyst's review of a whole media cluster (every copy of the content)."""
    return await _review(request, user, body, cluster_id=cluster_id)


@router.get("/files/{file_id}/access", response_model=GateOut)
async def access(request: Request, file_id: str,
                 user: StaffUser = Depends(current_user)) -> GateOut:
    """Whether the calling user may open the file, and why."""
    state = _state(request)

    def run() -> GateOut:
        with state.db.sessions() as session:
            file = session.get(ReportFile, file_id)
            if file is None:
                raise HTTPException(404, f"file {file_id} does not exist")
            decision = service.can_open(session, user, file)
            return GateOut(file_id=file_id, allowed=decision.allowed, reason=decision.reason)

    result: GateOut = await in_thread(run)
    return result


@router.post("/files/{file_id}/authority", response_model=AuthorityOut, status_code=201)
async def record_authority(request: Request, file_id: str, body: AuthorityIn,
                           user: StaffUser = Depends(authoriser)) -> AuthorityOut:
    """Record legal authority (e.g. a warrant number) to open a file its reporter did not view."""
    state = _state(request)

    def run() -> AuthorityOut:
        with state.db.transaction() as session:
            try:
                row = service.record_authority(session, user, staff_actor(user, request),
                                               file_id, body.reference, body.jurisdiction)
            except service.NotFound as exc:
                raise HTTPException(404, str(exc)) from exc
            return AuthorityOut(id=row.id, file_id=row.file_id, jurisdiction=row.jurisdiction,
                                reference=row.reference, recorded_by=row.recorded_by,
                                recorded_at=row.recorded_at)

    result: AuthorityOut = await in_thread(run)
    return result


NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/files/{file_id}/content")
async def content(request: Request, file_id: str,
                  view: Literal["safe", "original"] = Query(
                      "safe", description="safe: blurred greyscale image (default); original: "
                                          "the file as received, only when asked for"),
                  user: StaffUser = Depends(reviewer)) -> Response:
    """Serve evidence to staff: legal gate checked, every read audited, blurred by default."""
    state = _state(request)
    actor = staff_actor(user, request)

    def open_file() -> tuple[service.GateDecision, Iterator[bytes] | None]:
        # The denial or the read is audited and committed before anything is answered.
        with state.db.transaction() as session:
            file = session.get(ReportFile, file_id)
            if file is None:
                raise HTTPException(404, f"file {file_id} does not exist")
            decision = service.can_open(session, user, file)
            if not decision.allowed:
                record(session, actor, "file.open_denied", "file", file_id,
                       reason=decision.reason)
                return decision, None
            chunks = read_evidence(session, state.evidence, actor, file.sha256,
                                   purpose=f"staff view ({view}) of file {file_id}")
            return decision, chunks

    decision, chunks = await in_thread(open_file)
    if chunks is None:
        raise Forbidden(decision.reason)
    if view == "original":
        headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{file_id}"'}
        return StreamingResponse(chunks, media_type="application/octet-stream", headers=headers)
    data = await in_thread(lambda: b"".join(chunks))
    try:
        png = await in_thread(wellness_png, data)
    except MediaError as exc:
        raise HTTPException(415, f"no blurred rendition of this file ({exc}); ask for "
                                 "?view=original to see it as received") from exc
    return Response(png, media_type="image/png", headers={**NO_STORE, "X-Tipline-View": "safe"})
