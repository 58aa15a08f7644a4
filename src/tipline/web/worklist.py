"""The worklist page: open cases, most urgent first, filtered to what the reader may see."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.responses import Response

from tipline.http import in_thread
from tipline.state import AppState
from tipline.triage import store, usecases
from tipline.users.service import StaffUser
from tipline.web.nav import STAFF_ROLES
from tipline.web.pages import page_router
from tipline.web.session import page_role
from tipline.web.templates import render

router = page_router()
readers = page_role(*STAFF_ROLES)


@router.get("/worklist")
async def worklist(request: Request, user: StaffUser = Depends(readers)) -> Response:
    state: AppState = request.app.state.tipline
    rows: list[store.WorklistRow] = await in_thread(usecases.worklist, state.db, user, None, 50)
    return render(request, "worklist.html", {"rows": rows})
