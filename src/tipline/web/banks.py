"""Hash bank pages (read-only, the centre's staff): banks with their entry counts, a bank's
entries page by page with their provenance, and the consistency report."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.responses import Response

from tipline.access import CENTRE_ROLES
from tipline.banks.views import usecases
from tipline.banks.views.store import BankRow
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.service import StaffUser
from tipline.web.pages import page_router
from tipline.web.session import page_role
from tipline.web.templates import render

router = page_router()
centre = page_role(*CENTRE_ROLES)


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/banks")
async def banks(request: Request, user: StaffUser = Depends(centre)) -> Response:
    rows: list[BankRow] = await in_thread(usecases.list_banks, _state(request).db, user)
    return render(request, "banks.html", {"banks": rows})


@router.get("/banks/report")
async def consistency(request: Request, user: StaffUser = Depends(centre)) -> Response:
    found: usecases.Consistency = await in_thread(usecases.consistency, _state(request).db,
                                                  user)
    return render(request, "banks_report.html", {"report": found})


@router.get("/banks/{bank_id}")
async def bank(request: Request, bank_id: int, after: int = 0,
               user: StaffUser = Depends(centre)) -> Response:
    found: usecases.BankEntries = await in_thread(usecases.bank_entries, _state(request).db,
                                                  user, bank_id, after)
    return render(request, "bank.html", {"page": found, "after": after})
