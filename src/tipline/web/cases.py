"""The case page, and the blurred thumbnails of evidence files it shows."""

from __future__ import annotations

from typing import Literal

from fastapi import Depends, Query, Request
from starlette.responses import Response

from tipline.cases import usecases
from tipline.classification import usecases as classification
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import staff_actor
from tipline.users.service import StaffUser
from tipline.web.nav import STAFF_ROLES
from tipline.web.pages import page_router
from tipline.web.session import page_role
from tipline.web.templates import render

router = page_router()
readers = page_role(*STAFF_ROLES)
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: int,
                    user: StaffUser = Depends(readers)) -> Response:
    state: AppState = request.app.state.tipline
    page: usecases.CasePage = await in_thread(usecases.case_page, state.db, user,
                                              staff_actor(user, request), case_id)
    return render(request, "case.html", {"page": page, "case": page.case})


@router.get("/files/{file_id}/content")
async def file_content(request: Request, file_id: str,
                       view: Literal["safe"] = Query("safe", description="only the blurred "
                                                     "greyscale rendition, on pages"),
                       user: StaffUser = Depends(readers)) -> Response:
    """A file's blurred greyscale rendition (legal gate checked, the read audited). The
    original is never served to a page here: revealing one is an explicit, audited act."""
    state: AppState = request.app.state.tipline
    chunks = await in_thread(classification.open_content, state.db, state.evidence, user,
                             staff_actor(user, request), file_id, view)
    png = await in_thread(classification.safe_rendition, chunks)
    return Response(png, media_type="image/png", headers={**NO_STORE, "X-Tipline-View": "safe"})
