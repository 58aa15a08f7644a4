"""Queries of hash-list feedback: the analysts' reviews and the agencies' shared outcomes of
the files and reports that matched a bank entry, and the entries a contributor gave."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from tipline.banks.models import Bank, BankEntry, BankSignal, Provenance
from tipline.cases.models import CaseReport
from tipline.classification.models import MediaFact
from tipline.clusters.models import ClusterMember
from tipline.matching.models import FileMatch
from tipline.outcomes.models import Outcome
from tipline.outcomes.store import shared

LIVE = FileMatch.suppressed.is_(False)


def reviews(session: Session, entry_ids: Iterable[int] | None = None
            ) -> Iterable[tuple[int, str, str]]:
    """(entry id, age band, activity) of each analyst review of a matched file or of the
    cluster holding it."""
    stmt = (select(FileMatch.entry_id, MediaFact.age_band, MediaFact.activity)
            .outerjoin(ClusterMember, ClusterMember.file_id == FileMatch.file_id)
            .join(MediaFact, or_(MediaFact.file_id == FileMatch.file_id,
                                 MediaFact.cluster_id == ClusterMember.cluster_id))
            .where(LIVE, MediaFact.source == "analyst"))
    if entry_ids is not None:
        stmt = stmt.where(FileMatch.entry_id.in_(list(entry_ids)))
    yield from session.execute(stmt.distinct())


def outcomes(session: Session, now: dt.datetime, entry_ids: Iterable[int] | None = None
             ) -> Iterable[tuple[int, int, str, str | None]]:
    """(entry id, outcome id, code, reason) of the shared outcomes of reports that matched."""
    stmt = (select(FileMatch.entry_id, Outcome.id, Outcome.code, Outcome.reason)
            .join(CaseReport, CaseReport.report_id == FileMatch.report_id)
            .join(Outcome, and_(Outcome.case_id == CaseReport.case_id,
                                or_(Outcome.report_id.is_(None),
                                    Outcome.report_id == FileMatch.report_id)))
            .where(LIVE, shared(now)))
    if entry_ids is not None:
        stmt = stmt.where(FileMatch.entry_id.in_(list(entry_ids)))
    yield from session.execute(stmt.distinct())


@dataclass(frozen=True)
class Contributed:
    entry_id: int
    bank: str
    signal_type: str
    value: str
    contributor: str
    source_list: str
    item: str | None
    content_type: str | None


def contributed(session: Session, contributor: str | None) -> list[Contributed]:
    """The entries each contributor (or one) gave, with the hash and the source's key."""
    stmt = (select(Provenance.entry_id, Bank.name, BankSignal.signal_type, BankSignal.value,
                   Provenance.contributor, Provenance.source_list, Provenance.item,
                   Provenance.content_type)
            .join(BankEntry, BankEntry.id == Provenance.entry_id)
            .join(Bank, Bank.id == BankEntry.bank_id)
            .join(BankSignal, BankSignal.id == BankEntry.signal_id)
            .order_by(Provenance.contributor, Provenance.entry_id, Provenance.id))
    if contributor is not None:
        stmt = stmt.where(Provenance.contributor == contributor)
    return [Contributed(*row) for row in session.execute(stmt)]


def matched_entry_ids(session: Session) -> list[int]:
    return list(session.scalars(select(FileMatch.entry_id).where(LIVE).distinct()))
