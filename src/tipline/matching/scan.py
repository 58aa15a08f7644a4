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
)

FIELDS = ("path", "kind", "md5", "sha256", "pdq", "quality", "error", "matched", "banks",
          "best_distance", "matched_by", "suppressed_by")


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


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _frames(media: MediaHashes) -> list[str]:
    return good_frames([(f.hex, f.quality) for f in media.frames])


def _row(path: Path, root: Path, media: MediaHashes, hits: list[Hit]) -> ScanRow:
    active = [h for h in hits if h.bank_kind == "positive"]
    row = ScanRow(str(path.relative_to(root)), media.kind, media.crypto.md5,
                  media.crypto.sha256, media.pdq.get("original"), media.quality, media.error)
    if active:
        best = active[0]
        row.matched = best.suppressed_by is None
        row.banks = sorted({h.bank_name for h in active})
        row.best_distance, row.matched_by = best.distance, best.query_label
        row.suppressed_by = best.suppressed_by
    return row


def scan(db: Database, index: PdqLookup | None, paths: list[Path], root: Path,
         progress: Callable[[], None] = lambda: None) -> Iterator[ScanRow]:
    for path in paths:
        media = hash_media(path.read_bytes())
        with db.sessions() as session:
            hits = decide(find_hits(session, index, media_queries(media), _frames(media)))
        progress()
        yield _row(path, root, media, hits)


def scan_many(db: Database, index: PdqLookup | None, paths: list[Path], root: Path
              ) -> list[ScanRow]:
    """`scan` of a batch: the files hashed, then looked up together (one batch lookup)."""
    hashed = [hash_media(path.read_bytes()) for path in paths]
    with db.sessions() as session:
        found = find_hits_many(session, index, [Lookup(media_queries(m), _frames(m))
                                                for m in hashed])
    return [_row(path, root, media, decide(hits))
            for path, media, hits in zip(paths, hashed, found, strict=True)]


def render(rows: list[ScanRow], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], indent=2)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows:
        values = asdict(row)
        values["banks"] = ";".join(row.banks)
        writer.writerow(values)
    return out.getvalue()
