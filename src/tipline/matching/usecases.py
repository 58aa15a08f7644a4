"""Matching use cases for reporters: look hashes or media up in the banks. Media is hashed in
memory and discarded; the audit log records only that a lookup happened and its size.

A request of many hashes or files is one batch: the index answers all PDQ hashes at once and
the banks and provenance are read with a fixed number of queries (`service.find_hits_many`),
so the cost per hash falls as the batch grows. A lookup only reads, each statement on its own
(`Database.single_reads`: on PostgreSQL no BEGIN, COMMIT or ROLLBACK round trips; a PDQ miss
reads nothing); its audit row is written in a batch a moment later (`lookup_audit`)."""

from __future__ import annotations

from tipline.audit.service import Actor, Event
from tipline.db import Executor
from tipline.hashing.media import hash_media
from tipline.matching.rules import Hit, decide
from tipline.matching.schemas import HashResult, MatchOut, MediaResult
from tipline.matching.service import (
    Lookup,
    Query,
    find_hits_many,
    good_frames,
    media_queries,
    provenance_of,
)
from tipline.state import AppState


def _outs(session: Executor, per_item: list[list[Hit]]) -> list[list[MatchOut]]:
    provenance = provenance_of(session, [h.entry_id for hits in per_item for h in hits])
    return [[MatchOut(bank=h.bank_name, bank_kind=h.bank_kind, entry_id=h.entry_id,
                      signal_type=h.signal_type, distance=h.distance, matched_by=h.query_label,
                      suppressed_by=h.suppressed_by, provenance=provenance[h.entry_id])
             for h in hits] for hits in per_item]


def match_hashes(state: AppState, actor: Actor, queries: list[Query]) -> list[HashResult]:
    with state.db.single_reads() as conn:
        hits = find_hits_many(conn, state.index, [Lookup([q], []) for q in queries])
        outs = _outs(conn, [decide(h) for h in hits])
    state.lookup_audit.add(actor, Event("match.hashes", "match", "-", {"count": len(queries)}))
    return [HashResult(type=q.signal_type, value=q.value, matches=out)
            for q, out in zip(queries, outs, strict=True)]


def match_media(state: AppState, actor: Actor,
                contents: list[tuple[str, bytes]]) -> list[MediaResult]:
    hashed = [(name, hash_media(data)) for name, data in contents]  # before taking a lock
    lookups = [Lookup(media_queries(media), good_frames([(f.hex, f.quality)
                                                          for f in media.frames]))
               for _, media in hashed]
    with state.db.single_reads() as conn:
        hits = find_hits_many(conn, state.index, lookups)
        outs = _outs(conn, [decide(h) for h in hits])
    state.lookup_audit.add(actor, Event("match.media", "match", "-", {"count": len(contents)}))
    return [MediaResult(name=name, kind=media.kind, md5=media.crypto.md5,
                        sha256=media.crypto.sha256, pdq=media.pdq.get("original"),
                        pdq_quality=media.quality, error=media.error, matches=out)
            for (name, media), out in zip(hashed, outs, strict=True)]
