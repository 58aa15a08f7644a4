"""The facts the scorecards and the transparency report are computed from, one row per
report finished in the period, read with a handful of grouped queries (never one query per
report). Everything downstream is pure (`figures.py`), so the same facts give the same
figures, and the facts' digest is the report's input digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, null, select
from sqlalchemy.orm import Session

from tipline.cases.models import CaseReport
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.delivery.models import Delivery
from tipline.matching.models import FileMatch
from tipline.outcomes.models import Outcome
from tipline.outcomes.store import report_outcomes, shared
from tipline.reporters.models import Reporter
from tipline.reports.models import Report, ReportFile
from tipline.routing.models import Route, RouteCountry

MEDIA = ("image", "video")


@dataclass
class ReportFact:
    report_id: int
    reporter: str
    reporter_kind: str
    incident_type: str
    incident_at: dt.datetime | None
    finished_at: dt.datetime
    quality_score: int | None
    quality_issues: list[str]
    case_id: int | None = None
    case_reports: int = 0
    in_shared_cluster: bool = False
    files: int = 0
    media_files: int = 0
    known_files: int = 0
    first_ack: dt.datetime | None = None
    outcomes: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class RouteFact:
    case_id: int
    countries: tuple[str, ...]
    channel: str
    deadline: dt.datetime | None
    first_ack: dt.datetime | None


@dataclass(frozen=True)
class Facts:
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime  # outcomes shared and deadlines judged as of this time
    reports: list[ReportFact]
    routes: list[RouteFact]
    clusters: int  # distinct media clusters holding a file of these reports


def aware(moment: Any) -> dt.datetime | None:
    """A UTC datetime from what a query returns (aggregates come back untyped on SQLite)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is dt.UTC:  # what UTCDateTime columns give: nothing to do
        return moment  # type: ignore[no-any-return]
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _in_period(start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    return and_(Report.finished_at.is_not(None), Report.finished_at >= start,
                Report.finished_at < end, Report.status != "retracted")


def gather(session: Session, start: dt.datetime, end: dt.datetime, now: dt.datetime,
           reporter_id: int | None = None, quality: bool = True) -> Facts:
    """The facts of the period; `quality` False leaves the quality findings out (the
    transparency report does not show them, and decoding them is most of the reading)."""
    period = _in_period(start, end)
    if reporter_id is not None:
        period = and_(period, Report.reporter_id == reporter_id)
    as_of = min(end, now)
    facts = {r.report_id: r for r in _reports(session, period, quality)}
    _cases(session, period, facts)
    _files(session, period, facts)
    _outcomes(session, period, as_of, facts)
    first_acks = _first_acks(session, period)
    for fact in facts.values():
        fact.first_ack = first_acks.get(fact.case_id) if fact.case_id else None
    clusters = session.scalar(select(func.count(func.distinct(ClusterMember.cluster_id)))
                              .join(Report, Report.id == ClusterMember.report_id)
                              .where(period)) or 0
    ordered = [facts[k] for k in sorted(facts)]
    return Facts(start, end, as_of, ordered, _routes(session, period, as_of), int(clusters))


def _reports(session: Session, period: ColumnElement[bool], quality: bool
             ) -> Iterable[ReportFact]:
    issues_column = Report.quality_issues if quality else null()
    rows = session.execute(
        select(Report.id, Reporter.name, Reporter.kind, Report.incident_type,
               Report.incident_at, Report.finished_at, Report.quality_score,
               issues_column).join(Reporter, Reporter.id == Report.reporter_id)
        .where(period))
    for rid, name, kind, itype, incident_at, finished_at, score, issues in rows:
        codes = sorted({str(i.get("code")) for i in issues or [] if isinstance(i, dict)
                        and i.get("code")})
        yield ReportFact(int(rid), name, kind, itype, aware(incident_at),
                         aware(finished_at) or finished_at, score, codes)


def _cases(session: Session, period: ColumnElement[bool], facts: dict[int, ReportFact]
           ) -> None:
    sizes = select(CaseReport.case_id, func.count().label("n")).group_by(
        CaseReport.case_id).subquery()
    rows = session.execute(
        select(CaseReport.report_id, CaseReport.case_id, sizes.c.n)
        .join(Report, Report.id == CaseReport.report_id)
        .join(sizes, sizes.c.case_id == CaseReport.case_id).where(period))
    for rid, case_id, n in rows:
        facts[rid].case_id, facts[rid].case_reports = int(case_id), int(n)
    shared_clusters = session.execute(
        select(ClusterMember.report_id).distinct()
        .join(MediaCluster, MediaCluster.id == ClusterMember.cluster_id)
        .join(Report, Report.id == ClusterMember.report_id)
        .where(period, MediaCluster.reports > 1))
    for (rid,) in shared_clusters:
        facts[rid].in_shared_cluster = True


def _files(session: Session, period: ColumnElement[bool], facts: dict[int, ReportFact]
           ) -> None:
    known = select(FileMatch.file_id).where(FileMatch.suppressed.is_(False)).distinct()
    rows = session.execute(
        select(ReportFile.report_id, func.count(),
               func.sum(_flag(ReportFile.media_kind.in_(MEDIA))),
               func.sum(_flag(and_(ReportFile.media_kind.in_(MEDIA),
                                   ReportFile.id.in_(known)))))
        .join(Report, Report.id == ReportFile.report_id).where(period)
        .group_by(ReportFile.report_id))
    for rid, n, media, known_n in rows:
        fact = facts[rid]
        fact.files, fact.media_files, fact.known_files = int(n), int(media or 0), int(
            known_n or 0)


def _flag(condition: ColumnElement[bool]) -> Any:
    return case((condition, 1), else_=0)


def _outcomes(session: Session, period: ColumnElement[bool], as_of: dt.datetime,
              facts: dict[int, ReportFact]) -> None:
    rows = session.execute(report_outcomes().with_only_columns(
        Report.id, Outcome.code, Outcome.reason).where(
        period, shared(as_of), Outcome.recorded_at < as_of)
        .order_by(Report.id, Outcome.id))
    for rid, code, reason in rows:
        facts[rid].outcomes.append((code, reason))


def _first_acks(session: Session, period: ColumnElement[bool]) -> dict[int, dt.datetime]:
    cases = select(CaseReport.case_id).join(Report, Report.id == CaseReport.report_id).where(
        period)
    rows = session.execute(select(Delivery.case_id, func.min(Delivery.acknowledged_at))
                           .where(Delivery.case_id.in_(cases),
                                  Delivery.acknowledged_at.is_not(None))
                           .group_by(Delivery.case_id))
    return {int(c): at for c, a in rows if (at := aware(a)) is not None}


def _routes(session: Session, period: ColumnElement[bool], as_of: dt.datetime
            ) -> list[RouteFact]:
    cases = select(CaseReport.case_id).join(Report, Report.id == CaseReport.report_id).where(
        period)
    first_ack = (select(Delivery.case_id, Delivery.agency_id,
                        func.min(Delivery.acknowledged_at).label("at"))
                 .where(Delivery.case_id.in_(cases))
                 .group_by(Delivery.case_id, Delivery.agency_id).subquery())
    countries: dict[int, list[str]] = {}
    for route_id, country in session.execute(
            select(RouteCountry.route_id, RouteCountry.country)
            .where(RouteCountry.case_id.in_(cases))):
        countries.setdefault(int(route_id), []).append(country)
    rows = session.execute(
        select(Route.id, Route.case_id, Route.channel_chain[0].as_string(), Route.deadline,
               first_ack.c.at)
        .outerjoin(first_ack, (first_ack.c.case_id == Route.case_id)
                   & (first_ack.c.agency_id == Route.agency_id))
        .where(Route.case_id.in_(cases), Route.status == "active",
               Route.computed_at < as_of).order_by(Route.id))
    return [RouteFact(int(case_id), tuple(sorted(countries.get(int(rid), []))),
                      first or "none", aware(deadline), aware(at))
            for rid, case_id, first, deadline, at in rows]
