"""Looking hashes up in the banks: exact for cryptographic and vendor hashes, near for PDQ.

Lookups are batched: `find_hits_many` takes every file (or hash) of one request and reads the
banks with a fixed number of queries (exact signals; entries behind the index's variant ids,
each with its bank, enabled banks only), whatever the number of hashes or matches;
`provenance_of` reads the provenance of all matched entries in one query. The index answers
the PDQ part for all hashes at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sqlalchemy import select, tuple_

from tipline.banks.models import Bank, BankEntry, BankSignal, Provenance, SignalVariant
from tipline.db import Executor
from tipline.hashing.media import MediaHashes
from tipline.matching.rules import Hit

CHUNK = 5_000  # keys per IN list: a batch of 1,000 hashes and its matches take one query each


class PdqLookup(Protocol):
    # The widest distance any bank accepts (None: no bank): the radius to ask the index for.
    radius: int | None

    def query(self, hex_hash: str, radius: int) -> list[tuple[int, int]]: ...

    def query_many(self, hex_hashes: list[str], radius: int) -> list[list[tuple[int, int]]]: ...


@dataclass(frozen=True)
class Query:
    signal_type: str
    value: str
    label: str


@dataclass(frozen=True)
class Lookup:
    """What to look up for one file (or one hash): its hashes, and its good vPDQ frames."""

    queries: list[Query]
    frames: list[str]


class EntryRow(NamedTuple):
    signal_id: int
    entry_id: int
    bank_id: int
    bank_name: str
    bank_kind: str
    threshold: int
    signal_type: str


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


# What a matched entry needs of its bank, read in the same query as the entry (enabled banks
# only), so a lookup reads no separate bank list.
_ENTRY_COLUMNS = (BankEntry.signal_id, BankEntry.id, BankEntry.bank_id, Bank.name, Bank.kind,
                  Bank.pdq_threshold, BankSignal.signal_type)


def _exact_entries(session: Executor,
                   keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[EntryRow]]:
    found: dict[tuple[str, str], list[EntryRow]] = defaultdict(list)
    for part in _chunks(keys):
        rows = session.execute(
            select(BankSignal.value, *_ENTRY_COLUMNS)
            .join(BankEntry, BankEntry.signal_id == BankSignal.id)
            .join(Bank, Bank.id == BankEntry.bank_id)
            .where(tuple_(BankSignal.signal_type, BankSignal.value).in_(part),
                   BankEntry.enabled.is_(True), Bank.enabled.is_(True)))
        for value, *entry in rows:
            row = EntryRow._make(entry)
            found[(row.signal_type, value)].append(row)
    return found


def _variant_entries(session: Executor, variant_ids: list[int]) -> dict[int, list[EntryRow]]:
    """Enabled entries of enabled banks reachable from index variant ids, in one query."""
    found: dict[int, list[EntryRow]] = defaultdict(list)
    for part in _chunks(variant_ids):
        rows = session.execute(
            select(SignalVariant.id, *_ENTRY_COLUMNS)
            .join(BankEntry, BankEntry.signal_id == SignalVariant.signal_id)
            .join(Bank, Bank.id == BankEntry.bank_id)
            .join(BankSignal, BankSignal.id == SignalVariant.signal_id)
            .where(SignalVariant.id.in_(part), BankEntry.enabled.is_(True),
                   Bank.enabled.is_(True)))
        for vid, *entry in rows:
            found[vid].append(EntryRow._make(entry))
    return found


def _hit(row: EntryRow, distance: int, label: str) -> Hit:
    return Hit(row.bank_id, row.bank_name, row.bank_kind, row.entry_id, row.signal_type,
               distance, label)


VPDQ_MATCH_PCT = 80.0  # Meta's suggestion: most of the query's frames are known material


def _vpdq_hits(frames: list[str], found: list[list[tuple[int, int]]],
               entries: dict[int, list[EntryRow]]) -> list[Hit]:
    """A video matches a bank video when at least 80% of its distinct good frames are within
    the bank's distance of that video's frames (so a clip cut from a known video matches)."""
    matched: dict[int, dict[int, int]] = defaultdict(dict)  # entry -> frame -> best distance
    info: dict[int, EntryRow] = {}
    for frame, near in enumerate(found):
        for vid, dist in near:
            for row in entries.get(vid, []):
                if row.signal_type == "vpdq" and dist <= row.threshold:
                    matched[row.entry_id][frame] = min(matched[row.entry_id].get(frame, dist),
                                                       dist)
                    info[row.entry_id] = row
    hits = []
    for entry_id, per_frame in matched.items():
        pct = 100.0 * len(per_frame) / len(frames)
        if pct >= VPDQ_MATCH_PCT:
            hits.append(_hit(info[entry_id], max(per_frame.values()),
                             f"vpdq:{pct:.0f}% of frames"))
    return hits


def _near(index: PdqLookup | None, lookups: list[Lookup], radius: int | None
          ) -> tuple[list[list[list[tuple[int, int]]]], list[list[list[tuple[int, int]]]]]:
    """The index's answers for every PDQ hash and every frame of every lookup, in one batch."""
    pdq = [[q.value for q in lk.queries if q.signal_type == "pdq"] for lk in lookups]
    flat = [h for hashes in pdq for h in hashes] + [f for lk in lookups for f in lk.frames]
    answers = index.query_many(flat, radius) if index is not None and radius is not None \
        and flat else [[] for _ in flat]
    near, frames, at = [], [], 0
    for hashes in pdq:
        near.append(answers[at:at + len(hashes)])
        at += len(hashes)
    for lk in lookups:
        frames.append(answers[at:at + len(lk.frames)])
        at += len(lk.frames)
    return near, frames


def find_hits_many(session: Executor, index: PdqLookup | None,
                   lookups: list[Lookup]) -> list[list[Hit]]:
    """All bank hits of each lookup, reading the banks with a fixed number of queries."""
    keys = list({(q.signal_type, q.value) for lk in lookups for q in lk.queries
                 if q.signal_type not in ("pdq", "vpdq")})
    exact = _exact_entries(session, keys) if keys else {}
    near, frames = _near(index, lookups, index.radius if index is not None else None)
    variant_ids = sorted({vid for group in (*near, *frames) for answer in group
                          for vid, _ in answer})
    entries = _variant_entries(session, variant_ids) if variant_ids else {}
    results = []
    for lk, pdq_answers, frame_answers in zip(lookups, near, frames, strict=True):
        hits = [_hit(row, 0, q.label) for q in lk.queries
                for row in exact.get((q.signal_type, q.value), [])]
        pdq_queries = [q for q in lk.queries if q.signal_type == "pdq"]
        hits += [_hit(row, dist, q.label)
                 for q, answer in zip(pdq_queries, pdq_answers, strict=True)
                 for vid, dist in answer for row in entries.get(vid, [])
                 if dist <= row.threshold]
        if lk.frames:
            hits += _vpdq_hits(lk.frames, frame_answers, entries)
        results.append(hits)
    return results


def find_hits(session: Executor, index: PdqLookup | None, queries: list[Query],
              frames: list[str] | None = None) -> list[Hit]:
    """All bank hits of one file: `queries` are its hashes, `frames` its good vPDQ frames."""
    return find_hits_many(session, index, [Lookup(queries, frames or [])])[0]


def media_queries(media: MediaHashes) -> list[Query]:
    """What to look up for one file: its cryptographic hashes and every PDQ transform."""
    queries = [Query(kind, getattr(media.crypto, kind), kind) for kind in ("md5", "sha1",
                                                                           "sha256")]
    queries += [Query("pdq", value, label) for label, value in media.pdq.items()]
    return queries


def good_frames(frames: list[tuple[str, int]]) -> list[str]:
    """Distinct frame hashes of usable quality (PDQ's convention: below 50 is noise)."""
    return list(dict.fromkeys(h for h, quality in frames if quality >= 50))


def provenance_of(session: Executor, entry_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Provenance of every matched entry of a request, in one query (per 5,000 entries)."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    columns = (Provenance.entry_id, Provenance.contributor, Provenance.source_list,
               Provenance.contributed_at, Provenance.classifications, Provenance.jurisdictions)
    for part in _chunks(sorted(set(entry_ids))):
        rows = session.execute(select(*columns).where(Provenance.entry_id.in_(part))
                               .order_by(Provenance.id))
        for entry_id, contributor, source_list, contributed_at, classes, places in rows:
            found[entry_id].append({
                "contributor": contributor or None, "source_list": source_list or None,
                "contributed_at": contributed_at.isoformat() if contributed_at else None,
                "classifications": classes, "jurisdictions": places,
            })
    return found
