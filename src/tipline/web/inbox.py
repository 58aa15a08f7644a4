"""The agency inbox: the cases routed to an agency user's agency with their deadlines, the
deliveries waiting for its acknowledgement, and their packages and evidence bundles (the
same use cases as the pull API under `/api/v1/agencies/me`), and the outcomes it records."""

from __future__ import annotations

from fastapi import Depends, Form, Request
from starlette.responses import Response

from tipline.delivery import usecases
from tipline.delivery.service import StalePackage
from tipline.errors import NotFound
from tipline.http import in_thread
from tipline.outcomes import page_usecases, rules
from tipline.state import AppState
from tipline.users.auth import staff_actor
from tipline.users.service import StaffUser
from tipline.web.pages import local_path, page_router, see_other
from tipline.web.session import flash, page_role
from tipline.web.templates import render

router = page_router()
agency_user = page_role("agency")
DOWNLOADS = {  # what: (file name suffix, media type)
    "package.json": ("json", "application/json"),
    "package.xml": ("xml", "application/xml"),
    "bundle": ("bundle", "application/octet-stream"),
}


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/inbox")
async def inbox(request: Request, user: StaffUser = Depends(agency_user)) -> Response:
    found: usecases.Inbox = await in_thread(usecases.inbox, _state(request).db, user)
    return render(request, "inbox.html", {"inbox": found})


@router.get("/inbox/cases/{case_id}")
async def inbox_case(request: Request, case_id: int,
                     user: StaffUser = Depends(agency_user)) -> Response:
    view: page_usecases.InboxCase = await in_thread(page_usecases.inbox_case,
                                                     _state(request).db, user, case_id)
    return render(request, "inbox_case.html", {
        "case": view.case, "outcomes": view.outcomes, "codes": rules.CODES,
        "reasons": rules.REASONS})


@router.post("/inbox/cases/{case_id}/outcomes")
async def record_outcome(request: Request, case_id: int,
                         user: StaffUser = Depends(agency_user)) -> Response:
    """Record an outcome of the case (the same use case as the API); a case the agency was
    never sent is the 404 page."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    await in_thread(page_usecases.record_form, _state(request).db, user,
                    staff_actor(user, request), case_id, form)
    flash(request, f"Outcome recorded for case {case_id}.", "success")
    return see_other(f"/inbox/cases/{case_id}")


@router.post("/inbox/deliveries/{delivery_id}/ack")
async def acknowledge(request: Request, delivery_id: int, back: str = Form(""),
                      user: StaffUser = Depends(agency_user)) -> Response:
    await in_thread(usecases.acknowledge, _state(request).db, user, staff_actor(user, request),
                    delivery_id, {"via": "inbox"})
    flash(request, f"Delivery {delivery_id} is acknowledged.", "success")
    return see_other(local_path(back, "/inbox"))


@router.get("/inbox/deliveries/{delivery_id}/{what}")
async def download(request: Request, delivery_id: int, what: str,
                   user: StaffUser = Depends(agency_user)) -> Response:
    """The package (JSON or XML) or the encrypted evidence bundle, as the pull API sends it."""
    if what not in DOWNLOADS:
        raise NotFound(f"no download {what!r}")
    kind, media_type = DOWNLOADS[what]
    try:
        pulled: usecases.Pulled = await in_thread(usecases.pull, _state(request), user,
                                                  staff_actor(user, request), delivery_id,
                                                  kind)
    except StalePackage as stale:  # the case grew: send the agency to the new version
        newer = stale.replacement.id if stale.replacement else None
        flash(request, f"The case changed after delivery {delivery_id} was queued"
              + (f": delivery {newer} holds its current version." if newer else "."), "error")
        return see_other("/inbox")
    name = f"case-{pulled.case_id}-{pulled.case_version[:12]}.{kind}"
    return Response(pulled.body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Idempotency-Key": pulled.idempotency_key, "X-Tipline-Case": str(pulled.case_id),
        "X-Tipline-Version": pulled.case_version, "Cache-Control": "no-store"})
