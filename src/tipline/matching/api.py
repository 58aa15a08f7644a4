"""`/api/v1/match`: matching for platforms and small companies, by hash or by media.

Media sent here is hashed in memory and discarded: nothing of it is stored, and the audit log
records only that a lookup happened and how many items it had.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from tipline.audit.service import record
from tipline.banks.formats.validate import normalise_hash
from tipline.hashing.media import hash_media
from tipline.http import actor_for, check_declared_size, current_reporter, in_thread
from tipline.matching.rules import Hit, decide
from tipline.matching.schemas import HashResult, MatchOut, MatchRequest, MediaResult
from tipline.matching.service import (
    Query,
    find_hits,
    good_frames,
    media_queries,
    provenance_of,
)
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import errors
from tipline.state import AppState

router = APIRouter(prefix="/api/v1/match", tags=["Matching API"])
MAX_FILES = 50


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


def _out(session: Session, hits: list[Hit]) -> list[MatchOut]:
    provenance = provenance_of(session, [h.entry_id for h in hits])
    return [MatchOut(bank=h.bank_name, bank_kind=h.bank_kind, entry_id=h.entry_id,
                     signal_type=h.signal_type, distance=h.distance, matched_by=h.query_label,
                     suppressed_by=h.suppressed_by, provenance=provenance[h.entry_id])
            for h in hits]


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

    def run() -> list[HashResult]:
        with state.db.transaction() as session:
            record(session, actor_for(reporter, request), "match.hashes", "match", "-",
                   count=len(queries))
            return [HashResult(type=q.signal_type, value=q.value,
                               matches=_out(session, decide(find_hits(session, state.index,
                                                                      [q]))))
                    for q in queries]
    result: list[HashResult] = await in_thread(run)
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

    def run() -> list[MediaResult]:
        results = []
        with state.db.transaction() as session:
            record(session, actor_for(reporter, request), "match.media", "match", "-",
                   count=len(contents))
            for name, data in contents:
                media = hash_media(data)
                frames = good_frames([(f.hex, f.quality) for f in media.frames])
                hits = decide(find_hits(session, state.index, media_queries(media), frames))
                results.append(MediaResult(
                    name=name, kind=media.kind, md5=media.crypto.md5,
                    sha256=media.crypto.sha256, pdq=media.pdq.get("original"),
                    pdq_quality=media.quality, error=media.error,
                    matches=_out(session, hits)))
        return results
    result: list[MediaResult] = await in_thread(run)
    return result
