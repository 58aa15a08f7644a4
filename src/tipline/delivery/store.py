"""Queries of the delivery domain: the content of a case for its package, and the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.banks.models import Bank
from tipline.cases.models import CaseReport
from tipline.classification.models import MediaFact
from tipline.clusters.models import ClusterMember
from tipline.delivery.models import Delivery
from tipline.delivery.rules import LIVE_STATUSES
from tipline.matching.models import FileMatch
from tipline.reporters.models import Reporter
from tipline.reports.models import Identifier, IpEvent, Report, ReportFile
from tipline.routing.models import Route


def case_reports(session: Session, case_id: int) -> list[tuple[Report, Reporter]]:
    return [(r, p) for r, p in session.execute(
        select(Report, Reporter).join(CaseReport, CaseReport.report_id == Report.id)
        .join(Reporter, Reporter.id == Report.reporter_id)
        .where(CaseReport.case_id == case_id).order_by(Report.id))]


def files_of(session: Session, report_ids: Sequence[int]) -> list[ReportFile]:
    return list(session.scalars(select(ReportFile).where(ReportFile.report_id.in_(report_ids))
                                .order_by(ReportFile.report_id, ReportFile.id)))


def matches_of(session: Session, file_ids: Sequence[str]) -> list[tuple[FileMatch, str]]:
    return [(m, name) for m, name in session.execute(
        select(FileMatch, Bank.name).join(Bank, Bank.id == FileMatch.bank_id)
        .where(FileMatch.file_id.in_(file_ids)).order_by(FileMatch.file_id, FileMatch.id))
        ]


def clusters_of(session: Session, file_ids: Sequence[str]) -> dict[str, int]:
    return {f: c for f, c in session.execute(
        select(ClusterMember.file_id, ClusterMember.cluster_id)
        .where(ClusterMember.file_id.in_(file_ids)))}


def facts_of(session: Session, file_ids: Sequence[str], cluster_ids: Sequence[int]
             ) -> list[MediaFact]:
    return list(session.scalars(
        select(MediaFact).where(MediaFact.file_id.in_(file_ids)
                                | MediaFact.cluster_id.in_(cluster_ids)).order_by(MediaFact.id)))


def identifiers_of(session: Session, report_ids: Sequence[int]) -> list[Identifier]:
    return list(session.scalars(select(Identifier).where(Identifier.report_id.in_(report_ids))
                                .order_by(Identifier.id)))


def ip_events_of(session: Session, report_ids: Sequence[int]) -> list[IpEvent]:
    return list(session.scalars(select(IpEvent).where(IpEvent.report_id.in_(report_ids))
                                .order_by(IpEvent.id)))


def by_key(session: Session, key: str) -> Delivery | None:
    return session.scalar(select(Delivery).where(Delivery.idempotency_key == key))


def live_for(session: Session, case_id: int, agency_id: int) -> list[Delivery]:
    """Deliveries of this case to this agency that are queued or arrived, oldest first."""
    return list(session.scalars(
        select(Delivery).where(Delivery.case_id == case_id, Delivery.agency_id == agency_id,
                               Delivery.status.in_(LIVE_STATUSES)).order_by(Delivery.id)))


def agency(session: Session, agency_id: int) -> Agency | None:
    return session.get(Agency, agency_id)


def agency_by_code(session: Session, code: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.code == code))


def route(session: Session, route_id: int) -> Route | None:
    return session.get(Route, route_id)


def queue_of(session: Session, agency_id: int, limit: int) -> list[Delivery]:
    """What an agency has been sent or may pull and has not acknowledged yet."""
    return list(session.scalars(
        select(Delivery).where(Delivery.agency_id == agency_id,
                               Delivery.status.in_(("pending", "delivered")))
        .order_by(Delivery.id).limit(limit)))


def delivery_of(session: Session, agency_id: int, delivery_id: int) -> Delivery | None:
    return session.scalar(select(Delivery).where(Delivery.id == delivery_id,
                                                 Delivery.agency_id == agency_id))


def acknowledged(session: Session, since: dt.datetime | None) -> list[tuple[Delivery, str]]:
    stmt = (select(Delivery, Agency.code).join(Agency, Agency.id == Delivery.agency_id)
            .where(Delivery.acknowledged_at.is_not(None)))
    if since is not None:
        stmt = stmt.where(Delivery.acknowledged_at >= since)
    return [(d, code) for d, code in session.execute(stmt.order_by(Delivery.id))]


def finish_times(session: Session, report_ids: Sequence[int]) -> dict[int, dt.datetime]:
    return {rid: at for rid, at in session.execute(
        select(Report.id, Report.finished_at).where(Report.id.in_(report_ids)))
        if at is not None}
def queued(session: Session, agency_ids: Sequence[int]) -> dict[str, int]:
    """Deliveries not yet acknowledged, by status (a superseded one will never be sent)."""
    return {status: int(n) for status, n in session.execute(
        select(Delivery.status, func.count()).where(
            Delivery.agency_id.in_(list(agency_ids)), Delivery.acknowledged_at.is_(None),
            Delivery.status != "superseded")
        .group_by(Delivery.status))}


def of_case(session: Session, case_id: int, only: ColumnElement[bool]
            ) -> list[tuple[Delivery, str]]:
    """The deliveries of a case (those `only` allows) with their agency's code, newest first."""
    return [(d, code) for d, code in session.execute(
        select(Delivery, Agency.code).join(Agency, Agency.id == Delivery.agency_id)
        .where(Delivery.case_id == case_id, only).order_by(Delivery.id.desc()))]
