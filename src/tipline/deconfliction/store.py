"""Queries of deconfliction: a case's watchable identifiers, watches and their hits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from tipline.cases.models import CaseReport
from tipline.clusters.store import chunks
from tipline.deconfliction.models import Watch, WatchHit
from tipline.reports.models import FileSignal, Identifier, IpEvent, ReportFile

WATCHED_IDENTIFIERS = ("account", "email", "phone")
WATCHED_HASHES = ("md5", "sha1", "sha256", "pdq")


def _report_ids(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(CaseReport.report_id)
                                .where(CaseReport.case_id == case_id)
                                .order_by(CaseReport.report_id)))


def case_keys(session: Session, case_id: int) -> dict[tuple[str, str], int]:
    """Every watchable (kind, value) of a case with a report it came from."""
    found: dict[tuple[str, str], int] = {}
    for part in chunks(_report_ids(session, case_id)):
        ids = list(part)
        for rid, kind, value in session.execute(
                select(Identifier.report_id, Identifier.kind, Identifier.value)
                .where(Identifier.report_id.in_(ids),
                       Identifier.kind.in_(WATCHED_IDENTIFIERS))):
            found.setdefault((kind, value), rid)
        for rid, ip in session.execute(select(IpEvent.report_id, IpEvent.ip)
                                       .where(IpEvent.report_id.in_(ids))):
            found.setdefault(("ip", ip), rid)
        for rid, kind, value in session.execute(
                select(ReportFile.report_id, FileSignal.signal_type, FileSignal.value)
                .join(ReportFile, ReportFile.id == FileSignal.file_id)
                .where(ReportFile.report_id.in_(ids),
                       FileSignal.signal_type.in_(WATCHED_HASHES))):
            found.setdefault(("hash", f"{kind}:{value.lower()}"), rid)
        for rid, md5, sha1, sha256 in session.execute(
                select(ReportFile.report_id, ReportFile.md5, ReportFile.sha1, ReportFile.sha256)
                .where(ReportFile.report_id.in_(ids))):
            for kind, value in (("md5", md5), ("sha1", sha1), ("sha256", sha256)):
                found.setdefault(("hash", f"{kind}:{value.lower()}"), rid)
    return found


def watches_matching(session: Session, keys: Sequence[tuple[str, str]]) -> list[Watch]:
    found: list[Watch] = []
    for part in chunks(keys):
        found += session.scalars(select(Watch).where(
            tuple_(Watch.kind, Watch.value).in_(list(part)), Watch.active.is_(True)))
    return sorted(found, key=lambda w: w.id)


def hit(session: Session, watch_id: int, case_id: int) -> WatchHit | None:
    return session.scalar(select(WatchHit).where(WatchHit.watch_id == watch_id,
                                                 WatchHit.case_id == case_id))


def watches(session: Session, agency_id: int) -> list[Watch]:
    """An agency's active watches."""
    return list(session.scalars(select(Watch).where(Watch.agency_id == agency_id,
                                                    Watch.active.is_(True))
                                .order_by(Watch.id)))
