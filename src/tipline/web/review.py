"""Media review pages: the review-once queue, one cluster at a time with its files blurred,
audited reveals of one original at a time, classification by keyboard, the reviewer's own
wellness settings and supervisors' exposure overrides. See docs/review.md."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import Depends, Form, Request
from starlette.responses import Response, StreamingResponse

from tipline.access import CENTRE_ROLES
from tipline.errors import Invalid
from tipline.http import in_thread
from tipline.review import rules, usecases
from tipline.review.service import ClusterReview, OverrideRequest
from tipline.state import AppState
from tipline.users.auth import staff_actor
from tipline.users.rules import AUTHORITY_ROLES
from tipline.users.service import StaffUser
from tipline.web.pages import page_router, see_other
from tipline.web.session import flash, page_role
from tipline.web.templates import render

router = page_router(prefix="/review")
reviewer = page_role(*CENTRE_ROLES)
supervisor = page_role(*AUTHORITY_ROLES)
SAFE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _page(page: Any) -> dict[str, Any]:
    return {"wellness": page.wellness, "shortcuts": rules.shortcuts(),
            "duration": rules.duration_text}


@router.get("")
async def queue(request: Request, user: StaffUser = Depends(reviewer)) -> Response:
    state = _state(request)
    page = await in_thread(usecases.queue, state.db, state.settings, user)
    return render(request, "review_queue.html", {**_page(page), "rows": page.rows})


@router.post("/next")
async def take_next(request: Request, leaving: int | None = Form(None),
                    user: StaffUser = Depends(reviewer)) -> Response:
    """Hold the most urgent cluster nobody else holds (letting go of the one left) and open it."""
    state = _state(request)
    taken = await in_thread(usecases.take_next, state.db, state.settings, user, leaving)
    if taken is None:
        flash(request, "Nothing else is waiting for review.", "success")
        return see_other("/review")
    return see_other(f"/review/clusters/{taken}")


@router.post("/clusters/{cluster_id}/leave")
async def leave(request: Request, cluster_id: int,
                user: StaffUser = Depends(reviewer)) -> Response:
    """Let the cluster go back to the queue for someone else."""
    await in_thread(usecases.leave, _state(request).db, user, cluster_id)
    flash(request, f"Cluster {cluster_id} is back in the queue.", "success")
    return see_other("/review")


@router.get("/clusters/{cluster_id}")
async def cluster(request: Request, cluster_id: int, reveal: int | None = None,
                  user: StaffUser = Depends(reviewer)) -> Response:
    state = _state(request)
    page = await in_thread(functools.partial(usecases.cluster, state.db, state.settings, user,
                                             cluster_id, reveal_id=reveal))
    return render(request, "review_cluster.html", {
        **_page(page), "page": page, "choices": rules.CHOICES,
        "choice_keys": rules.CHOICE_KEYS, "labels": rules.INDUSTRY_LABELS,
        "label_keys": rules.LABEL_KEYS})


@router.get("/files/{file_id}/safe")
async def safe(request: Request, file_id: str, user: StaffUser = Depends(reviewer)) -> Response:
    state = _state(request)
    png = await in_thread(usecases.safe_image, state.db, state.evidence, state.settings, user,
                          staff_actor(user, request), file_id)
    return Response(png, media_type="image/png", headers=SAFE_HEADERS)


@router.post("/files/{file_id}/reveal")
async def reveal(request: Request, file_id: str, cluster_id: int = Form(...),
                 user: StaffUser = Depends(reviewer)) -> Response:
    state = _state(request)
    opened = await in_thread(usecases.reveal, state.db, state.settings, user,
                             staff_actor(user, request), file_id)
    if _htmx(request):
        return render(request, "review_figure.html", {
            "file": opened.file, "reveal": opened.reveal, "cluster_id": cluster_id})
    return see_other(f"/review/clusters/{cluster_id}?reveal={opened.reveal.id}#file-{file_id}")


@router.post("/reveals/{reveal_id}/end")
async def end(request: Request, reveal_id: int, cluster_id: int = Form(...),
              why: str = Form("reblur"), user: StaffUser = Depends(reviewer)) -> Response:
    state = _state(request)
    closed = await in_thread(usecases.end_reveal, state.db, user, staff_actor(user, request),
                             reveal_id, why if why in ("reblur", "next", "leave") else "reblur")
    if _htmx(request):
        return render(request, "review_figure.html", {
            "file": closed.file, "reveal": None, "cluster_id": cluster_id})
    if why == "leave":  # a beacon as the page goes: nobody reads the answer
        return Response(status_code=204)
    return see_other(f"/review/clusters/{cluster_id}#file-{closed.file.id}")


@router.get("/reveals/{reveal_id}/original")
async def original(request: Request, reveal_id: int,
                   user: StaffUser = Depends(reviewer)) -> Response:
    state = _state(request)
    served = await in_thread(usecases.original, state.db, state.evidence, user,
                             staff_actor(user, request), reveal_id)
    if served.media_type is None:  # not displayable: a download, never rendered inline
        return StreamingResponse(served.chunks, media_type="application/octet-stream", headers={
            **SAFE_HEADERS, "Content-Disposition": f'attachment; filename="{served.file_id}"'})
    return StreamingResponse(served.chunks, media_type=served.media_type, headers=SAFE_HEADERS)


@router.post("/clusters/{cluster_id}/classify")
async def classify(request: Request, cluster_id: int, label: str = Form(""),
                   age_band: str = Form("unknown"), activity: str = Form("unknown"),
                   nature: str = Form("unknown"), note: str = Form(""),
                   user: StaffUser = Depends(reviewer)) -> Response:
    asked = ClusterReview(label or None, age_band, activity, nature, note.strip() or None)
    state = _state(request)
    await in_thread(usecases.classify, state.db, state.settings, user,
                    staff_actor(user, request), cluster_id, asked)
    flash(request, f"Classification saved for cluster {cluster_id} and all its files.",
          "success")
    return see_other(f"/review/clusters/{cluster_id}#verdicts")


def _number(text: str, what: str) -> float | None:
    """A form's optional number (empty: the organisation's default)."""
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise Invalid(f"the {what} must be a number") from exc


@router.post("/preferences")
async def preferences(request: Request, blur_level: str = Form(""),
                      budget_minutes: str = Form(""),
                      user: StaffUser = Depends(reviewer)) -> Response:
    state = _state(request)
    blur, minutes = _number(blur_level, "blur level"), _number(budget_minutes, "budget")
    budget = None if minutes is None else round(minutes * 60)
    await in_thread(usecases.set_preferences, state.db, state.settings, user,
                    staff_actor(user, request), None if blur is None else int(blur), budget)
    flash(request, "Your review settings are saved.", "success")
    return see_other("/review")


@router.get("/overrides")
async def overrides(request: Request, user: StaffUser = Depends(supervisor)) -> Response:
    rows = await in_thread(usecases.overrides_today, _state(request).db, user)
    return render(request, "review_overrides.html", {"rows": rows})


@router.post("/overrides")
async def grant(request: Request, username: str = Form(...), minutes: float = Form(...),
                reason: str = Form(""), user: StaffUser = Depends(supervisor)) -> Response:
    asked = OverrideRequest(username, round(minutes * 60), reason)
    await in_thread(usecases.grant_override, _state(request).db, user,
                    staff_actor(user, request), asked)
    flash(request, f"{username} may reveal {minutes:g} more minutes today.", "success")
    return see_other("/review/overrides")
