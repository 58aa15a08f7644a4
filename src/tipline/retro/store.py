"""Queries of retroactive matching: the bank change log read by `seq`, and the stored files a
changed bank signal may concern.

The change log is written by `banks.changes` (one `seq` per writing transaction, in commit
order). This module only reads it; it is the one place retroactive matching depends on the
log's shape."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from tipline.banks import changes
from tipline.banks.models import Bank, BankEntry, BankSignal, IndexChange, SignalVariant
from tipline.cases.models import CaseReport
from tipline.clusters.models import ClusterMember
from tipline.matching.models import FileMatch
from tipline.pipeline.models import StageRun
from tipline.reports.models import FileSignal, ReportFile
from tipline.retro.models import RetroCursor

CHUNK = 5_000  # keys per IN list
CURSOR = "bank-log"  # the one cursor: history re-matched against the bank change log
EXACT_TYPES = ("md5", "sha1", "sha256")


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    return (values[i:i + size] for i in range(0, len(values), size))


# --- the change log ------------------------------------------------------------------------

def log_head(session: Session) -> int:
    """The change log's last `seq` (0 when empty), as the log's own reader tells it."""
    return changes.latest_seq(session) or 0


def entries_head(session: Session) -> int:
    return int(session.scalar(select(func.max(BankEntry.id))) or 0)


def cursor(session: Session) -> RetroCursor:
    """The cursor row, created at 0 the first time (history then re-matched once, which only
    confirms what the pipeline recorded)."""
    found = session.get(RetroCursor, CURSOR, with_for_update=True)
    if found is None:
        found = RetroCursor(name=CURSOR, last_seq=0, last_entry_id=0, signals=0, files=0)
        session.add(found)
        session.flush()
    return found


def batch_end(session: Session, after: int, max_signals: int) -> int | None:
    """The last `seq` of the next batch: whole transactions of the log, as many as fit in
    `max_signals` changed signals (at least one transaction, however large)."""
    # A log row covers a run of signal ids (a bulk import is a few rows).
    signals = func.sum(IndexChange.last_signal_id - IndexChange.signal_id + 1)
    rows = session.execute(select(IndexChange.seq, signals).where(IndexChange.seq > after)
                           .group_by(IndexChange.seq).order_by(IndexChange.seq).limit(10_000))
    end, total = None, 0
    for seq, count in rows:
        if end is not None and total + count > max_signals:
            break
        end, total = int(seq), total + int(count)
    return end


def new_exact_entries(session: Session, after: int, upto: int, limit: int
                      ) -> list[tuple[int, int]]:
    """(entry id, signal id) of cryptographic-hash entries added after entry `after`, oldest
    first. (On PostgreSQL an entry committed after a later-numbered one is missed here; its
    enabling or disabling later is in the change log.)"""
    return [(e, s) for e, s in session.execute(
        select(BankEntry.id, BankEntry.signal_id).join(BankSignal,
                                                       BankSignal.id == BankEntry.signal_id)
        .where(BankEntry.id > after, BankEntry.id <= upto,
               BankSignal.signal_type.in_(EXACT_TYPES))
        .order_by(BankEntry.id).limit(limit))]


# --- what a changed signal may concern -----------------------------------------------------

def live_pdq_variants(session: Session, signal_ids: Sequence[int]) -> list[str]:
    """PDQ hashes in the match index for these signals (enabled entry in an enabled bank)."""
    found: set[str] = set()
    for part in chunks(signal_ids):
        live = (select(BankEntry.signal_id).join(Bank, Bank.id == BankEntry.bank_id)
                .where(BankEntry.signal_id.in_(part), BankEntry.enabled.is_(True),
                       Bank.enabled.is_(True)))
        found.update(session.scalars(select(SignalVariant.value)
                                     .where(SignalVariant.signal_id.in_(live))))
    return sorted(found)


def exact_signals(session: Session, signal_ids: Sequence[int]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for part in chunks(signal_ids):
        out += [(t, v) for t, v in session.execute(
            select(BankSignal.signal_type, BankSignal.value)
            .where(BankSignal.id.in_(part), BankSignal.signal_type.in_(EXACT_TYPES)))]
    return out


def max_threshold(session: Session) -> int | None:
    value = session.scalar(select(func.max(Bank.pdq_threshold)).where(Bank.enabled.is_(True)))
    return None if value is None else int(value)


def files_of_signal_rows(session: Session, row_ids: Sequence[int]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(set(row_ids))):
        found.update(session.scalars(select(FileSignal.file_id).where(FileSignal.id.in_(part))))
    return found


def files_with_exact(session: Session, keys: Sequence[tuple[str, str]]) -> set[str]:
    found: set[str] = set()
    for part in chunks(keys):
        found.update(session.scalars(select(FileSignal.file_id).where(
            tuple_(FileSignal.signal_type, FileSignal.value).in_(list(part)))))
    return found


def files_matched_by(session: Session, signal_ids: Sequence[int]) -> set[str]:
    """Files with a recorded match to an entry of these signals (in any bank)."""
    found: set[str] = set()
    for part in chunks(signal_ids):
        found.update(session.scalars(
            select(FileMatch.file_id).join(BankEntry, BankEntry.id == FileMatch.entry_id)
            .where(BankEntry.signal_id.in_(part))))
    return found


def matched_files(session: Session, file_ids: Sequence[str]) -> dict[str, int]:
    """Of these files, those whose report has passed the matching stage, with the report:
    a file still before it is matched by the stage itself, and recording its matches here
    would collide with the stage's."""
    found: dict[str, int] = {}
    for part in chunks(sorted(file_ids)):
        found.update((file_id, report_id) for file_id, report_id in session.execute(
            select(ReportFile.id, ReportFile.report_id)
            .join(StageRun, StageRun.report_id == ReportFile.report_id)
            .where(ReportFile.id.in_(part), StageRun.stage == "matching")))
    return found


def signals_of(session: Session, file_ids: Sequence[str]) -> dict[str, list[FileSignal]]:
    found: dict[str, list[FileSignal]] = {f: [] for f in file_ids}
    for part in chunks(list(file_ids)):
        for signal in session.scalars(select(FileSignal).where(FileSignal.file_id.in_(part))
                                      .order_by(FileSignal.id)):
            found[signal.file_id].append(signal)
    return found


def matches_of(session: Session, file_ids: Sequence[str]) -> dict[str, list[FileMatch]]:
    found: dict[str, list[FileMatch]] = {f: [] for f in file_ids}
    for part in chunks(list(file_ids)):
        for match in session.scalars(select(FileMatch).where(FileMatch.file_id.in_(part))):
            found[match.file_id].append(match)
    return found


def clusters_of(session: Session, file_ids: Sequence[str]) -> set[int]:
    found: set[int] = set()
    for part in chunks(list(file_ids)):
        found.update(session.scalars(select(ClusterMember.cluster_id)
                                     .where(ClusterMember.file_id.in_(part))))
    return found


def cases_of(session: Session, report_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for part in chunks(sorted(set(report_ids))):
        found.update(session.scalars(select(CaseReport.case_id)
                                     .where(CaseReport.report_id.in_(part))))
    return found
