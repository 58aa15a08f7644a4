"""Classification, the legal gate and evidence viewing for staff and agency users: thin
routes over the use cases (`tipline.access` decides who sees which file)."""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response, StreamingResponse

from tipline.classification import usecases
from tipline.classification.jurisdictions import load_table
from tipline.classification.models import MediaFact
from tipline.classification.schemas import (
    AuthorityIn,
    AuthorityOut,
    ClassificationOut,
    FactIn,
    FactOut,
    GateOut,
    JurisdictionRuleIn,
    JurisdictionRuleOut,
)
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import current_user, require_role, staff_actor
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
                         user: StaffUser = Depends(current_user)) -> ClassificationOut:
    """Facts from every source, the effective facts with disagreements, and derived verdicts.
    An agency user sees the files of its cases only."""
    found: Any = await in_thread(usecases.classification, _state(request).db, user, file_id,
                                 jurisdiction)
    return ClassificationOut(
        file_id=found.file_id, cluster_id=found.cluster_id,
        facts=[_fact_out(f) for f in found.facts], effective=asdict(found.effective),
        baseline=found.baseline, baseline_reason=found.baseline_reason,
        verdicts=[asdict(v) for v in found.verdicts])


async def _review(request: Request, user: StaffUser, body: FactIn, **target: Any) -> FactOut:
    fields = {"age_band": body.age_band, "activity": body.activity, "nature": body.nature,
              "note": body.note}
    fact: MediaFact = await in_thread(functools.partial(
        usecases.review, _state(request).db, user, staff_actor(user, request), fields,
        **target))
    return _fact_out(fact)


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
    decision: Any = await in_thread(usecases.gate, _state(request).db, user, file_id)
    return GateOut(file_id=file_id, allowed=decision.allowed, reason=decision.reason)


@router.post("/files/{file_id}/authority", response_model=AuthorityOut, status_code=201)
async def record_authority(request: Request, file_id: str, body: AuthorityIn,
                           user: StaffUser = Depends(authoriser)) -> AuthorityOut:
    """Record legal authority (e.g. a warrant number) to open a file its reporter did not
    view, for your own jurisdiction only (another `jurisdiction` is refused, 403)."""
    row: Any = await in_thread(usecases.record_authority, _state(request).db, user,
                               staff_actor(user, request), file_id, body.reference,
                               body.jurisdiction)
    return AuthorityOut(id=row.id, file_id=row.file_id, jurisdiction=row.jurisdiction,
                        reference=row.reference, recorded_by=row.recorded_by,
                        recorded_at=row.recorded_at)


@router.post("/admin/jurisdictions/{code}", response_model=JurisdictionRuleOut)
async def record_jurisdiction_rule(request: Request, code: str, body: JurisdictionRuleIn,
                                   user: StaffUser = Depends(require_role("admin"))
                                   ) -> JurisdictionRuleOut:
    """Record whether a jurisdiction requires legal authority before a file its reporter did
    not view is opened, with the source. Until then an unknown jurisdiction's gate is closed."""
    rule: Any = await in_thread(usecases.record_jurisdiction_rule, _state(request).db, user,
                                staff_actor(user, request), code,
                                body.unviewed_requires_authority, body.source)
    return JurisdictionRuleOut(code=rule.code, unviewed_requires_authority=rule.requires,
                               source=rule.source, recorded=rule.recorded)


NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/files/{file_id}/content")
async def content(request: Request, file_id: str,
                  view: Literal["safe", "original"] = Query(
                      "safe", description="safe: blurred greyscale image (default); original: "
                                          "the file as received, only when asked for"),
                  user: StaffUser = Depends(current_user)) -> Response:
    """Serve evidence to centre staff: legal gate checked, every read audited, blurred by
    default. Agency users receive evidence in their delivery bundles, not here."""
    state = _state(request)
    chunks = await in_thread(usecases.open_content, state.db, state.evidence, user,
                             staff_actor(user, request), file_id, view)
    if view == "original":
        headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{file_id}"'}
        return StreamingResponse(chunks, media_type="application/octet-stream", headers=headers)
    png = await in_thread(usecases.safe_rendition, chunks)
    return Response(png, media_type="image/png", headers={**NO_STORE, "X-Tipline-View": "safe"})
