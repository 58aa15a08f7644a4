"""Matching use cases for reporters: look hashes or media up in the banks. Media is hashed in
memory and discarded; the audit log records only that a lookup happened and its size."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.hashing.media import hash_media
from tipline.matching.rules import Hit, decide
from tipline.matching.schemas import HashResult, MatchOut, MediaResult
from tipline.matching.service import Query, find_hits, good_frames, media_queries, provenance_of
from tipline.state import AppState


def _out(session: Session, hits: list[Hit]) -> list[MatchOut]:
    provenance = provenance_of(session, [h.entry_id for h in hits])
    return [MatchOut(bank=h.bank_name, bank_kind=h.bank_kind, entry_id=h.entry_id,
                     signal_type=h.signal_type, distance=h.distance, matched_by=h.query_label,
                     suppressed_by=h.suppressed_by, provenance=provenance[h.entry_id])
            for h in hits]


def match_hashes(state: AppState, actor: Actor, queries: list[Query]) -> list[HashResult]:
    with state.db.transaction() as session:
        record(session, actor, "match.hashes", "match", "-", count=len(queries))
        return [HashResult(type=q.signal_type, value=q.value,
                           matches=_out(session, decide(find_hits(session, state.index, [q]))))
                for q in queries]


def match_media(state: AppState, actor: Actor,
                contents: list[tuple[str, bytes]]) -> list[MediaResult]:
    results = []
    with state.db.transaction() as session:
        record(session, actor, "match.media", "match", "-", count=len(contents))
        for name, data in contents:
            media = hash_media(data)
            frames = good_frames([(f.hex, f.quality) for f in media.frames])
            hits = decide(find_hits(session, state.index, media_queries(media), frames))
            results.append(MediaResult(
                name=name, kind=media.kind, md5=media.crypto.md5, sha256=media.crypto.sha256,
                pdq=media.pdq.get("original"), pdq_quality=media.quality, error=media.error,
                matches=_out(session, hits)))
    return results
