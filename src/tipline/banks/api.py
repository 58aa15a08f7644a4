"""`/api/v1/banks`: the centre staff's bank writes over HTTP (create, list, enable, add one
entry, disable or enable an entry, import a file). An import's body is the file itself,
spooled to disk as it arrives, then streamed into the bank in one transaction."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

from fastapi import APIRouter, Depends, Request

from tipline.banks import usecases
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate, BankOut, EntryIn, EntryRef, ImportResult
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, current_user, staff_actor

router = APIRouter(prefix="/api/v1/banks", tags=["Hash banks"])


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("", response_model=list[BankOut])
async def list_banks(request: Request, user: StaffUser = Depends(current_user)
                     ) -> list[BankOut]:
    found: list[BankOut] = await in_thread(usecases.list_banks, _state(request).db, user)
    return found


@router.post("", response_model=BankOut, status_code=201)
async def create_bank(request: Request, body: BankCreate,
                      user: StaffUser = Depends(current_user)) -> BankOut:
    made: BankOut = await in_thread(usecases.create_bank, _state(request).db, user, body,
                                    staff_actor(user, request))
    return made


@router.post("/{name}/enabled/{enabled}", status_code=204)
async def set_bank_enabled(request: Request, name: str, enabled: bool,
                           user: StaffUser = Depends(current_user)) -> None:
    """Disable (`false`) or enable (`true`) a whole bank: it stops or resumes matching."""
    await in_thread(usecases.set_bank_enabled, _state(request).db, user, name, enabled,
                    staff_actor(user, request))


@router.post("/{name}/entries", response_model=ImportResult, status_code=201)
async def add_entry(request: Request, name: str, body: EntryIn,
                    user: StaffUser = Depends(current_user)) -> ImportResult:
    """Add one hash with its provenance; it matches as soon as this returns."""
    state = _state(request)
    record = HashRecord(body.type.lower(), body.value, classifications=body.classifications,
                        jurisdictions=tuple(body.jurisdictions), contributor=body.contributor,
                        source_list=body.source_list, note=body.note)
    result: ImportResult = await in_thread(usecases.add_entry, state.db, user, name, record,
                                           staff_actor(user, request), state.index.notify)
    return result


@router.post("/{name}/entries/enabled/{enabled}", status_code=204)
async def set_entry_enabled(request: Request, name: str, enabled: bool, body: EntryRef,
                            user: StaffUser = Depends(current_user)) -> None:
    """Disable (`false`) or enable (`true`) one entry of a bank."""
    state = _state(request)
    await in_thread(usecases.set_entry_enabled, state.db, user, name, body.type.lower(),
                    body.value, enabled, staff_actor(user, request), state.index.notify)


@router.post("/{name}/import", response_model=ImportResult)
async def import_file(request: Request, name: str, format: str = "auto",
                      replace: bool = False, user: StaffUser = Depends(current_user)
                      ) -> ImportResult:
    """Import a hash list sent as the request body (any of the four formats), all or
    nothing; `replace=true` removes what the file's sources no longer list."""
    state = _state(request)
    with tempfile.TemporaryDirectory(dir=state.settings.data_dir) as folder:
        path = Path(folder) / f"upload.{format}"
        with path.open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
        result: ImportResult = await in_thread(partial(
            usecases.import_file, state.db, user, name, path, format,
            staff_actor(user, request), replace=replace, on_commit=state.index.notify))
    return result
