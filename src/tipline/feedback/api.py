"""`/api/v1/banks/feedback`: confirmations and disputes of bank entries, per contributor, in
the format its list came in (centre staff)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from tipline.feedback import usecases
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, require_role

router = APIRouter(prefix="/api/v1", tags=["Hash banks"])
centre = require_role("analyst", "supervisor", "admin", "hotline_analyst")
MEDIA_TYPES = {"ncmec": "application/json", "threatexchange": "text/csv", "csv": "text/csv"}


@router.get("/banks/feedback")
async def feedback(request: Request, contributor: str | None = None,
                   format: str = Query("csv", description="ncmec, threatexchange or csv"),
                   ncmec_reason: str | None = None,
                   user: StaffUser = Depends(centre)) -> Response:
    """Analysts' reviews and agencies' outcomes of matched files, as confirmations and
    disputes of the entries a contributor gave (docs/feedback.md)."""
    state: AppState = request.app.state.tipline
    data: bytes = await in_thread(usecases.export, state.db, user, contributor, format,
                                  ncmec_reason)
    return Response(data, media_type=MEDIA_TYPES.get(format, "text/csv"))
