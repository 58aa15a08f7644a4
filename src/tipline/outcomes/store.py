"""Queries of outcomes: the shared outcomes of a reporter's reports, an agency's own, and the
per-reporter counts triage and the scorecards read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from tipline.cases.models import CaseReport
from tipline.outcomes.models import Outcome, ReporterWebhook
from tipline.outcomes.rules import CODES
from tipline.reports.models import Report

ACTIONABLE_CODES = tuple(c.code for c in CODES.values() if c.actionable is True)
CLOSED_CODES = tuple(c.code for c in CODES.values() if c.actionable is False)


def shared(now: dt.datetime) -> ColumnElement[bool]:
    """Outcomes no longer held confidential (never held, or their date has come)."""
    return or_(Outcome.held_until.is_(None), Outcome.held_until <= now)


def report_outcomes() -> Select[int, Outcome]:
    """(report id, outcome) for each report an outcome speaks of: itself, or every report of
    the case when the outcome is for the whole case."""
    return select(Report.id.label("report_id"), Outcome).join(
        CaseReport, CaseReport.report_id == Report.id).join(
        Outcome, and_(Outcome.case_id == CaseReport.case_id,
                      or_(Outcome.report_id.is_(None), Outcome.report_id == Report.id)))


def of_reporter(session: Session, reporter_id: int, now: dt.datetime,
                report_id: int | None = None, limit: int = 500
                ) -> list[tuple[int, Outcome]]:
    """The shared outcomes of a reporter's reports, newest first."""
    stmt = report_outcomes().where(Report.reporter_id == reporter_id, shared(now))
    if report_id is not None:
        stmt = stmt.where(Report.id == report_id)
    rows = session.execute(stmt.order_by(Outcome.recorded_at.desc(), Outcome.id.desc())
                           .limit(limit))
    return [(int(rid), outcome) for rid, outcome in rows]


def of_agency(session: Session, agency_id: int, case_id: int | None = None,
              limit: int = 500) -> list[Outcome]:
    stmt = select(Outcome).where(Outcome.agency_id == agency_id)
    if case_id is not None:
        stmt = stmt.where(Outcome.case_id == case_id)
    return list(session.scalars(stmt.order_by(Outcome.id.desc()).limit(limit)))


def by_reference(session: Session, agency_id: int, reference: str) -> Outcome | None:
    return session.scalar(select(Outcome).where(Outcome.agency_id == agency_id,
                                                Outcome.reference == reference))


def reporters_of(session: Session, case_id: int, report_id: int | None) -> dict[int, list[int]]:
    """{reporter id: its report ids} that an outcome on (case, report) speaks of."""
    stmt = select(Report.reporter_id, Report.id).join(
        CaseReport, CaseReport.report_id == Report.id).where(CaseReport.case_id == case_id)
    if report_id is not None:
        stmt = stmt.where(Report.id == report_id)
    found: dict[int, list[int]] = {}
    for reporter_id, rid in session.execute(stmt.order_by(Report.id)):
        found.setdefault(int(reporter_id), []).append(int(rid))
    return found


def webhook(session: Session, reporter_id: int) -> ReporterWebhook | None:
    return session.get(ReporterWebhook, reporter_id)


def actionable_counts(session: Session, reporter_ids: list[int], now: dt.datetime
                      ) -> dict[int, tuple[int, int]]:
    """{reporter id: (reports with a decided outcome, of which actionable)}: a report counts
    once, as actionable when any shared outcome of it is."""
    pairs = report_outcomes().with_only_columns(
        Report.reporter_id, Report.id, Outcome.code).where(
        Report.reporter_id.in_(reporter_ids), shared(now),
        Outcome.code.in_(ACTIONABLE_CODES + CLOSED_CODES)).subquery()
    per_report = select(pairs.c.reporter_id, pairs.c.id, func.max(
        case((pairs.c.code.in_(ACTIONABLE_CODES), 1), else_=0)).label("yes")).group_by(
        pairs.c.reporter_id, pairs.c.id).subquery()
    rows = session.execute(select(per_report.c.reporter_id, func.count(),
                                  func.sum(per_report.c.yes)).group_by(per_report.c.reporter_id))
    return {int(r): (int(n), int(yes or 0)) for r, n, yes in rows}

