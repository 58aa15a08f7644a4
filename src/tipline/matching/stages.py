"""The matching stage: every hash of every reported file looked up in the banks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.db import Database
from tipline.matching.models import FileMatch
from tipline.matching.rules import Hit, decide
from tipline.matching.service import Lookup, PdqLookup, Query, find_hits, good_frames
from tipline.reports.models import FileSignal, ReportFile


def _queries(signals: list[FileSignal]) -> list[Query]:
    queries = []
    for s in signals:
        if s.signal_type == "pdq":
            for label in s.detail.get("transforms", ["original"]):
                queries.append(Query("pdq", s.value, label))
        elif s.signal_type != "vpdq":
            label = s.signal_type if s.source == "computed" else f"reporter:{s.signal_type}"
            queries.append(Query(s.signal_type, s.value, label))
    return queries


def _frames(signals: list[FileSignal]) -> list[str]:
    frames = [(f[2], f[3]) for s in signals if s.signal_type == "vpdq"
              for f in s.detail.get("frames", [])]
    return good_frames(frames)


def lookup_of(signals: list[FileSignal]) -> Lookup:
    """What to look up for one stored file: its recorded hashes (the matching stage's and
    retroactive matching's one definition)."""
    return Lookup(_queries(signals), _frames(signals))


def find_matches(db: Database, index: PdqLookup | None,
                 report_id: int) -> dict[str, list[Hit]]:
    """matching (prepare): look every file's hashes up; reads only."""
    with db.sessions() as session:
        rows = session.execute(select(FileSignal).join(ReportFile,
                                                       ReportFile.id == FileSignal.file_id)
                               .where(ReportFile.report_id == report_id)).scalars()
        by_file: dict[str, list[FileSignal]] = {}
        for signal in rows:
            by_file.setdefault(signal.file_id, []).append(signal)
        return {file_id: decide(find_hits(session, index, _queries(signals), _frames(signals)))
                for file_id, signals in by_file.items()}


def record_matches(session: Session, report_id: int, hits: dict[str, list[Hit]]) -> None:
    """matching (apply): store each match with bank, entry, distance and transform."""
    for file_id, file_hits in hits.items():
        for hit in file_hits:
            session.add(FileMatch(
                report_id=report_id, file_id=file_id, bank_id=hit.bank_id,
                entry_id=hit.entry_id, signal_type=hit.signal_type,
                query_label=hit.query_label, distance=hit.distance,
                suppressed=hit.suppressed_by is not None, suppressed_by=hit.suppressed_by))
