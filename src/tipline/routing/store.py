"""Queries of the routing domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from tipline.cases.models import CaseReport
from tipline.clusters.store import chunks
from tipline.reporters.models import Reporter
from tipline.reports.models import FileSignal, Identifier, IpEvent, Report, ReportFile
from tipline.routing.geo import CaseInputs, IpLead
from tipline.routing.models import Agency, Alert, Delivery, RetentionWindow, Route, Watch, WatchHit
from tipline.routing.rules import AgencyEntry

WATCHED_IDENTIFIERS = ("account", "email", "phone")


def agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def agency(session: Session, code: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.code == code.strip().upper()))


def entry(row: Agency) -> AgencyEntry:
    return AgencyEntry(row.code, row.name, tuple(row.countries or ()), row.channel, row.via_code,
                       row.delivery_method, row.endpoint_url, row.contact, row.active)


def registry(session: Session) -> dict[str, AgencyEntry]:
    return {row.code: entry(row) for row in agencies(session)}


def retention_overrides(session: Session) -> dict[str, tuple[int | None, str]]:
    return {r.country: (r.days, r.source) for r in session.scalars(select(RetentionWindow))}


def report_ids(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(CaseReport.report_id)
                                .where(CaseReport.case_id == case_id)
                                .order_by(CaseReport.report_id)))


def case_inputs(session: Session, case_id: int) -> CaseInputs:
    ids = report_ids(session, case_id)
    documents: list[tuple[int, dict[str, object]]] = []
    reporters: list[tuple[int, str | None]] = []
    ips: list[IpLead] = []
    urls: list[tuple[int, str]] = []
    for part in chunks(ids):
        for rid, document, country in session.execute(
                select(Report.id, Report.document, Reporter.country)
                .join(Reporter, Reporter.id == Report.reporter_id)
                .where(Report.id.in_(list(part))).order_by(Report.id)):
            documents.append((rid, document or {}))
            reporters.append((rid, country))
        ips += [IpLead(r.report_id, r.ip, r.at, bool(r.possible_proxy)) for r in session.execute(
            select(IpEvent.report_id, IpEvent.ip, IpEvent.at, IpEvent.possible_proxy)
            .where(IpEvent.report_id.in_(list(part))).order_by(IpEvent.id))]
        urls += [(r.report_id, r.value) for r in session.execute(
            select(Identifier.report_id, Identifier.value)
            .where(Identifier.report_id.in_(list(part)), Identifier.kind == "url")
            .order_by(Identifier.id))]
    return CaseInputs(documents, reporters, ips, urls)


def active_routes(session: Session, case_ids: Sequence[int]) -> list[Route]:
    return list(session.scalars(select(Route).where(Route.case_id.in_(list(case_ids)),
                                                    Route.status == "active")
                                .order_by(Route.id)))


def routes_of_case(session: Session, case_id: int) -> list[Route]:
    return list(session.scalars(select(Route).where(Route.case_id == case_id)
                                .order_by(Route.id)))


def open_alert(session: Session, kind: str, case_id: int, agency_id: int | None,
               message: str) -> Alert | None:
    """An unacknowledged alert saying the same thing (so a recompute does not repeat it)."""
    return session.scalar(select(Alert).where(
        Alert.kind == kind, Alert.case_id == case_id, Alert.agency_id == agency_id,
        Alert.message == message, Alert.acknowledged_at.is_(None)).limit(1))


# --- deconfliction -------------------------------------------------------------------------

def case_keys(session: Session, case_id: int) -> dict[tuple[str, str], int]:
    """Every watchable (kind, value) of a case with a report it came from."""
    ids = report_ids(session, case_id)
    found: dict[tuple[str, str], int] = {}
    for part in chunks(ids):
        for rid, kind, value in session.execute(
                select(Identifier.report_id, Identifier.kind, Identifier.value)
                .where(Identifier.report_id.in_(list(part)),
                       Identifier.kind.in_(WATCHED_IDENTIFIERS))):
            found.setdefault((kind, value), rid)
        for rid, ip in session.execute(select(IpEvent.report_id, IpEvent.ip)
                                       .where(IpEvent.report_id.in_(list(part)))):
            found.setdefault(("ip", ip), rid)
        for rid, kind, value in session.execute(
                select(ReportFile.report_id, FileSignal.signal_type, FileSignal.value)
                .join(ReportFile, ReportFile.id == FileSignal.file_id)
                .where(ReportFile.report_id.in_(list(part)),
                       FileSignal.signal_type.in_(("md5", "sha1", "sha256", "pdq")))):
            found.setdefault(("hash", f"{kind}:{value.lower()}"), rid)
        for rid, md5, sha1, sha256 in session.execute(
                select(ReportFile.report_id, ReportFile.md5, ReportFile.sha1, ReportFile.sha256)
                .where(ReportFile.report_id.in_(list(part)))):
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
    return list(session.scalars(select(Watch).where(Watch.agency_id == agency_id,
                                                    Watch.active.is_(True))
                                .order_by(Watch.id)))


# --- what reaches an agency ----------------------------------------------------------------

def routes_to(session: Session, agency_ids: Sequence[int], active_only: bool = True,
              limit: int = 1000) -> list[Route]:
    stmt = select(Route).where(Route.agency_id.in_(list(agency_ids)))
    if active_only:
        stmt = stmt.where(Route.status == "active")
    return list(session.scalars(stmt.order_by(Route.id.desc()).limit(limit)))


def first_routed(session: Session, agency_ids: Sequence[int], since: dt.datetime
                 ) -> list[dt.datetime]:
    """When each case first reached these agencies, for cases first routed since `since`
    (a case re-routed after it grew is one case, not two)."""
    firsts = (select(func.min(Route.computed_at).label("at"))
              .where(Route.agency_id.in_(list(agency_ids)))
              .group_by(Route.case_id, Route.agency_id).subquery())
    return list(session.scalars(select(firsts.c.at).where(firsts.c.at >= since)))


def open_deadlines(session: Session, agency_ids: Sequence[int]) -> list[dt.datetime]:
    return [d for d in session.scalars(select(Route.deadline).where(
        Route.agency_id.in_(list(agency_ids)), Route.status == "active",
        Route.deadline.is_not(None))) if d is not None]


def queued(session: Session, agency_ids: Sequence[int]) -> dict[str, int]:
    """Deliveries not yet acknowledged, by status (a superseded one will never be sent)."""
    return {status: int(n) for status, n in session.execute(
        select(Delivery.status, func.count()).where(
            Delivery.agency_id.in_(list(agency_ids)), Delivery.acknowledged_at.is_(None),
            Delivery.status != "superseded")
        .group_by(Delivery.status))}


def alerts_for(session: Session, agency_id: int, limit: int = 500) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.agency_id == agency_id)
                                .order_by(Alert.id.desc()).limit(limit)))
