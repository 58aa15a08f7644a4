"""`/api/v1/match`: matching for platforms and small companies, by hash or by media.

Media sent here is hashed in memory and discarded: nothing of it is stored, and the audit log
records only that a lookup happened and how many items it had.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile

from tipline.banks.formats.validate import normalise_hash
from tipline.http import actor_for, check_declared_size, current_reporter, in_thread
from tipline.matching import usecases
from tipline.matching.schemas import HashResult, MatchRequest, MediaResult
from tipline.matching.service import Query
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import errors
from tipline.state import AppState

router = APIRouter(prefix="/api/v1/match", tags=["Matching API"])
MAX_FILES = 50


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.post("/hashes", response_model=list[HashResult])
async def match_hashes(request: Request, body: MatchRequest,
                       reporter: AuthenticatedReporter = Depends(current_reporter)
                       ) -> list[HashResult]:
    """Look up to 1000 hashes; each result lists the banks it matched, with provenance."""
    state = _state(request)
    try:
        queries = [Query(h.type.lower(), normalise_hash(h.type.lower(), h.value,
                                                        f"hashes[{i}]"), h.type.lower())
                   for i, h in enumerate(body.hashes)]
    except ValueError as exc:
        raise errors.ValidationFailed(str(exc)) from exc
    result: list[HashResult] = await in_thread(usecases.match_hashes, state,
                                                actor_for(reporter, request), queries)
    return result


@router.post("/media", response_model=list[MediaResult])
async def match_media(request: Request,
                      reporter: AuthenticatedReporter = Depends(current_reporter)
                      ) -> list[MediaResult]:
    """Hash up to 50 uploaded files (multipart field `file`, repeatable) and look them up."""
    state = _state(request)
    check_declared_size(request)
    async with request.form(max_files=MAX_FILES, max_fields=MAX_FILES) as form:
        files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
        if not files:
            raise errors.InvalidRequest("send files as the multipart form field 'file'")
        contents = [(f.filename or "file", await f.read()) for f in files]
    result: list[MediaResult] = await in_thread(usecases.match_media, state,
                                                 actor_for(reporter, request), contents)
    return result
