"""Looking hashes up in the banks: exact for cryptographic and vendor hashes, near for PDQ."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from tipline.banks.models import Bank, BankEntry, BankSignal, Provenance, SignalVariant
from tipline.hashing.media import MediaHashes
from tipline.matching.rules import Hit

CHUNK = 500


class PdqLookup(Protocol):
    def query(self, hex_hash: str, radius: int) -> list[tuple[int, int]]: ...


@dataclass(frozen=True)
class Query:
    signal_type: str
    value: str
    label: str


def _entry_rows(session: Session, signal_ids: list[int]):  # type: ignore[no-untyped-def]
    """Enabled entries of enabled banks for these signals."""
    return session.execute(
        select(BankEntry.signal_id, BankEntry.id, Bank.id, Bank.name, Bank.kind,
               Bank.pdq_threshold, BankSignal.signal_type)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .join(BankSignal, BankSignal.id == BankEntry.signal_id)
        .where(BankEntry.signal_id.in_(signal_ids), BankEntry.enabled.is_(True),
               Bank.enabled.is_(True)))


def exact_hits(session: Session, queries: list[Query]) -> list[Hit]:
    by_key = defaultdict(list)
    for q in queries:
        by_key[(q.signal_type, q.value)].append(q.label)
    keys = list(by_key)
    hits = []
    for start in range(0, len(keys), CHUNK):
        part = keys[start:start + CHUNK]
        signals = {sid: (t, v) for sid, t, v in session.execute(
            select(BankSignal.id, BankSignal.signal_type, BankSignal.value)
            .where(tuple_(BankSignal.signal_type, BankSignal.value).in_(part)))}
        if not signals:
            continue
        for sid, entry_id, bank_id, name, kind, _thr, stype in _entry_rows(session, list(signals)):
            for label in by_key[signals[sid]]:
                hits.append(Hit(bank_id, name, kind, entry_id, stype, 0, label))
    return hits


def max_threshold(session: Session) -> int | None:
    return session.scalar(select(func.max(Bank.pdq_threshold)).where(Bank.enabled.is_(True)))


def _variant_entries(session: Session, variant_ids: list[int]) -> dict[int, list[Any]]:
    """Enabled entries (with bank and threshold) reachable from index variant ids."""
    variant_signal: dict[int, int] = {}
    for start in range(0, len(variant_ids), CHUNK):
        rows = session.execute(select(SignalVariant.id, SignalVariant.signal_id).where(
            SignalVariant.id.in_(variant_ids[start:start + CHUNK])))
        variant_signal.update({vid: sid for vid, sid in rows})
    by_signal: dict[int, list[Any]] = defaultdict(list)
    for row in _entry_rows(session, list(set(variant_signal.values()))):
        by_signal[row[0]].append(row)
    return {vid: by_signal[sid] for vid, sid in variant_signal.items()}


def pdq_hits(session: Session, index: PdqLookup, queries: list[Query]) -> list[Hit]:
    radius = max_threshold(session)
    if radius is None or not queries:
        return []
    found: list[tuple[int, int, str]] = []  # variant id, distance, label
    for q in queries:
        found += [(vid, dist, q.label) for vid, dist in index.query(q.value, radius)]
    entries = _variant_entries(session, sorted({f[0] for f in found}))
    hits = []
    for vid, dist, label in found:
        for _sid, entry_id, bank_id, name, kind, threshold, stype in entries.get(vid, []):
            if dist <= threshold:
                hits.append(Hit(bank_id, name, kind, entry_id, stype, dist, label))
    return hits


VPDQ_MATCH_PCT = 80.0  # Meta's suggestion: most of the query's frames are known material


def vpdq_hits(session: Session, index: PdqLookup, frames: list[str]) -> list[Hit]:
    """A video matches a bank video when at least 80% of its distinct good frames are within
    the bank's distance of that video's frames (so a clip cut from a known video matches)."""
    radius = max_threshold(session)
    if radius is None or not frames:
        return []
    found = [(i, vid, dist) for i, f in enumerate(frames) for vid, dist in index.query(f, radius)]
    entries = _variant_entries(session, sorted({f[1] for f in found}))
    matched: dict[int, dict[int, int]] = defaultdict(dict)  # entry -> frame -> best distance
    info: dict[int, Any] = {}
    for frame, vid, dist in found:
        for row in entries.get(vid, []):
            if row[6] == "vpdq" and dist <= row[5]:
                best = matched[row[1]].get(frame, dist)
                matched[row[1]][frame] = min(best, dist)
                info[row[1]] = row
    hits = []
    for entry_id, per_frame in matched.items():
        pct = 100.0 * len(per_frame) / len(frames)
        if pct >= VPDQ_MATCH_PCT:
            _sid, _e, bank_id, name, kind, _thr, _t = info[entry_id]
            hits.append(Hit(bank_id, name, kind, entry_id, "vpdq", max(per_frame.values()),
                            f"vpdq:{pct:.0f}% of frames"))
    return hits


def find_hits(session: Session, index: PdqLookup | None, queries: list[Query],
              frames: list[str] | None = None) -> list[Hit]:
    """All bank hits of one file: `queries` are its hashes, `frames` its good vPDQ frames."""
    exact = [q for q in queries if q.signal_type not in ("pdq", "vpdq")]
    near = [q for q in queries if q.signal_type == "pdq"]
    hits = exact_hits(session, exact)
    if index is not None:
        hits += pdq_hits(session, index, near)
        hits += vpdq_hits(session, index, frames or [])
    return hits


def media_queries(media: MediaHashes) -> list[Query]:
    """What to look up for one file: its cryptographic hashes and every PDQ transform."""
    queries = [Query(kind, getattr(media.crypto, kind), kind) for kind in ("md5", "sha1",
                                                                           "sha256")]
    queries += [Query("pdq", value, label) for label, value in media.pdq.items()]
    return queries


def good_frames(frames: list[tuple[str, int]]) -> list[str]:
    """Distinct frame hashes of usable quality (PDQ's convention: below 50 is noise)."""
    return list(dict.fromkeys(h for h, quality in frames if quality >= 50))


def provenance_of(session: Session, entry_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(entry_ids), CHUNK):
        rows = session.scalars(select(Provenance).where(
            Provenance.entry_id.in_(entry_ids[start:start + CHUNK])).order_by(Provenance.id))
        for p in rows:
            found[p.entry_id].append({
                "contributor": p.contributor or None, "source_list": p.source_list or None,
                "contributed_at": p.contributed_at.isoformat() if p.contributed_at else None,
                "classifications": p.classifications, "jurisdictions": p.jurisdictions,
            })
    return found
