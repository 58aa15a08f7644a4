"""Queries of the dashboard: counts over finished reports, their cases, routes and
deliveries in a window. Days are UTC days, grouped in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tipline.cases.models import CaseReport
from tipline.delivery.models import Delivery
from tipline.reporters.models import Reporter
from tipline.reports.models import Report
from tipline.routing.models import Route

FINISHED = Report.finished_at.is_not(None)


def _utc_day(session: Session, column: Any) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)  # SQLite stores UTC without a zone


def _grouped(session: Session, key: Any, since: dt.datetime,
             *joins: tuple[Any, Any]) -> dict[str, int]:
    stmt = select(key, func.count()).select_from(Report)
    for table, on in joins:
        stmt = stmt.join(table, on)
    rows = session.execute(stmt.where(FINISHED, Report.finished_at >= since).group_by(key))
    return {str(k) if k is not None else "unknown": int(n) for k, n in rows}


def reports_per_day(session: Session, since: dt.datetime) -> dict[str, int]:
    day = _utc_day(session, Report.finished_at)
    return _grouped(session, day, since)


def reports_by_type(session: Session, since: dt.datetime) -> dict[str, int]:
    return _grouped(session, Report.incident_type, since)


def reports_by_reporter(session: Session, since: dt.datetime) -> dict[str, int]:
    return _grouped(session, Reporter.name, since, (Reporter, Reporter.id == Report.reporter_id))


def folded(session: Session, since: dt.datetime) -> tuple[int, int]:
    """(finished reports in the window, the distinct cases they are in now)."""
    reports, cases = session.execute(
        select(func.count(Report.id), func.count(func.distinct(CaseReport.case_id)))
        .select_from(Report).outerjoin(CaseReport, CaseReport.report_id == Report.id)
        .where(FINISHED, Report.finished_at >= since)).one()
    return int(reports), int(cases)


def route_countries(session: Session, since: dt.datetime) -> list[tuple[int, list[Any]]]:
    """(case id, reasons) of the active routes computed in the window."""
    return [(case_id, reasons or []) for case_id, reasons in session.execute(
        select(Route.case_id, Route.reasons).where(Route.status == "active",
                                                   Route.computed_at >= since))]


def deadlines(session: Session, since: dt.datetime
              ) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """(deadline, first acknowledgement by the route's agency) of the active routes with a
    deadline, computed in the window."""
    first_ack = (select(Delivery.case_id, Delivery.agency_id,
                        func.min(Delivery.acknowledged_at).label("at"))
                 .group_by(Delivery.case_id, Delivery.agency_id).subquery())
    rows = session.execute(
        select(Route.deadline, first_ack.c.at).outerjoin(
            first_ack, (first_ack.c.case_id == Route.case_id)
            & (first_ack.c.agency_id == Route.agency_id))
        .where(Route.status == "active", Route.deadline.is_not(None),
               Route.computed_at >= since))
    return [(deadline, _aware(at)) for deadline, at in rows if deadline is not None]


def _aware(moment: Any) -> dt.datetime | None:
    # min() over a UTC column comes back untyped (a string on SQLite).
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
