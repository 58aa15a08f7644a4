"""Hash bank pages (the centre's staff): banks with their entry counts, a bank's entries page
by page with their provenance, importing a hash list into a bank, and the consistency
report."""

from __future__ import annotations

import shutil
import tempfile
from functools import partial
from pathlib import Path

from fastapi import Depends, File, Form, Request, UploadFile
from starlette.responses import Response

from tipline.access import CENTRE_ROLES
from tipline.banks import usecases as bank_writes
from tipline.banks.schemas import BankOut, ImportResult
from tipline.banks.views import usecases
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import staff_actor
from tipline.users.service import StaffUser
from tipline.web.pages import page_router, see_other
from tipline.web.session import flash, page_role
from tipline.web.templates import render

router = page_router()
centre = page_role(*CENTRE_ROLES)


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/banks")
async def banks(request: Request, user: StaffUser = Depends(centre)) -> Response:
    rows: list[BankOut] = await in_thread(usecases.list_banks, _state(request).db, user)
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
    return render(request, "bank.html", {"page": found, "after": after,
                                         "formats": ("auto", *bank_writes.STREAMS)})


@router.post("/banks/{bank_id}/import")
async def import_list(request: Request, bank_id: int, name: str = Form(...),
                      format: str = Form("auto"), replace: str = Form(""),
                      upload: UploadFile = File(...), user: StaffUser = Depends(centre)
                      ) -> Response:
    """Import a hash list file into the bank, all or nothing (the same use case as
    `tipline banks import` and the API); the result's counts are shown on the bank's page."""
    state = _state(request)
    with tempfile.TemporaryDirectory(dir=state.settings.data_dir) as folder:
        path = Path(folder) / Path(upload.filename or "upload").name
        with path.open("wb") as out:
            await in_thread(shutil.copyfileobj, upload.file, out)
        result: ImportResult = await in_thread(partial(
            bank_writes.import_file, state.db, user, name, path, format,
            staff_actor(user, request), replace=replace == "1",
            on_commit=state.index.notify))
    flash(request, f"Imported {result.records} records into {result.bank}: "
                   f"{result.new_entries} new entries, {result.reclassified} re-classified, "
                   f"{result.unchanged} unchanged, {result.removed} sources removed.", "success")
    return see_other(f"/banks/{bank_id}")
