"""`tipline scan DIR`: check a folder of media against the banks, on one's own machine.

For companies that cannot send media anywhere: files are hashed locally, looked up in the local
database's banks through the same matcher the server uses, and the result is written as CSV or
JSON. Nothing is uploaded and nothing is stored.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tipline.db import Database
from tipline.hashing.media import MediaHashes, hash_media
from tipline.matching.rules import Hit, decide
from tipline.matching.service import (
    Lookup,
    PdqLookup,
    find_hits,
    find_hits_many,
    good_frames,
    media_queries,
    provenance_of,
)

FIELDS = ("path", "kind", "md5", "sha256", "pdq", "quality", "error", "matched", "banks",
          "best_distance", "matched_by", "suppressed_by", "classifications", "sources")


@dataclass
class ScanRow:
    path: str
    kind: str
    md5: str
    sha256: str
    pdq: str | None
    quality: int | None
    error: str | None
    matched: bool = False
    banks: list[str] = field(default_factory=list)
    best_distance: int | None = None
    matched_by: str | None = None
    suppressed_by: str | None = None
    # What the matched entries' sources say: every scheme=label, and who contributed them
    # (from which list); in JSON each matched entry with its full provenance.
    classifications: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _frames(media: MediaHashes) -> list[str]:
    return good_frames([(f.hex, f.quality) for f in media.frames])


def _active(hits: list[Hit]) -> list[Hit]:
    return [h for h in hits if h.bank_kind == "positive"]


def _row(path: Path, root: Path, media: MediaHashes, hits: list[Hit],
         provenance: dict[int, list[dict[str, Any]]]) -> ScanRow:
    active = _active(hits)
    row = ScanRow(str(path.relative_to(root)), media.kind, media.crypto.md5,
                  media.crypto.sha256, media.pdq.get("original"), media.quality, media.error)
    if active:
        best = active[0]
        row.matched = best.suppressed_by is None
        row.banks = sorted({h.bank_name for h in active})
        row.best_distance, row.matched_by = best.distance, best.query_label
        row.suppressed_by = best.suppressed_by
        _describe(row, active, provenance)
    return row


def scan(db: Database, index: PdqLookup | None, paths: list[Path], root: Path,
         progress: Callable[[], None] = lambda: None) -> Iterator[ScanRow]:
    for path in paths:
        media = hash_media(path.read_bytes())
        with db.sessions() as session:
            hits = decide(find_hits(session, index, media_queries(media), _frames(media)))
            provenance = provenance_of(session, [h.entry_id for h in _active(hits)])
        progress()
        yield _row(path, root, media, hits, provenance)


def scan_many(db: Database, index: PdqLookup | None, paths: list[Path], root: Path
              ) -> list[ScanRow]:
    """`scan` of a batch: the files hashed, then looked up together (one batch lookup)."""
    hashed = [hash_media(path.read_bytes()) for path in paths]
    with db.sessions() as session:
        found = [decide(hits) for hits in find_hits_many(
            session, index, [Lookup(media_queries(m), _frames(m)) for m in hashed])]
        provenance = provenance_of(session, [h.entry_id for hits in found
                                             for h in _active(hits)])
    return [_row(path, root, media, hits, provenance)
            for path, media, hits in zip(paths, hashed, found, strict=True)]


def _describe(row: ScanRow, active: list[Hit], provenance: dict[int, list[dict[str, Any]]]
              ) -> None:
    """The matched entries' classifications and provenance, on the row."""
    labels: set[str] = set()
    sources: set[str] = set()
    for hit in active:
        found = provenance.get(hit.entry_id, [])
        row.entries.append({"bank": hit.bank_name, "entry_id": hit.entry_id,
                            "signal_type": hit.signal_type, "distance": hit.distance,
                            "matched_by": hit.query_label, "provenance": found})
        for source in found:
            labels |= {f"{k}={v}" for k, v in (source["classifications"] or {}).items()}
            list_ = f" ({source['source_list']})" if source["source_list"] else ""
            sources.add(f"{source['contributor'] or 'unknown'}{list_}")
    row.classifications, row.sources = sorted(labels), sorted(sources)


def render(rows: list[ScanRow], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], indent=2)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows:
        values = asdict(row)
        del values["entries"]  # JSON only: CSV has one line per file
        for name in ("banks", "classifications", "sources"):
            values[name] = ";".join(values[name])
        writer.writerow(values)
    return out.getvalue()
