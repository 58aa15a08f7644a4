"""Queries of triage: priorities, the worklist and its pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.cases.models import Case, CasePriority, CaseReport
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.db import UTCDateTime
from tipline.routing.models import Route
from tipline.triage.worklist import NO_DEADLINE, NO_LEVEL, Cursor, WorklistFilter


def latest_priority(session: Session, case_id: int) -> CasePriority | None:
    return session.scalar(select(CasePriority).where(CasePriority.case_id == case_id)
                          .order_by(CasePriority.id.desc()).limit(1))


def case_ids_of_reports(session: Session, report_ids: set[int]) -> list[int]:
    if not report_ids:
        return []
    return sorted(set(session.scalars(select(CaseReport.case_id)
                                      .where(CaseReport.report_id.in_(report_ids)))))


@dataclass(frozen=True)
class WorklistRow:
    case: Case
    reports: int


def worklist_order() -> tuple[Any, ...]:
    """Most urgent level first, then the nearest deadline, then the higher score; cases not
    yet triaged and cases without a deadline come last within their order."""
    return (case((Case.priority_level.is_(None), 1), else_=0), Case.priority_level,
            case((Case.deadline.is_(None), 1), else_=0), Case.deadline,
            Case.priority_score.desc(), Case.id)


def next_unheld(session: Session, now: dt.datetime, statuses: Sequence[str],
                level: str | None = None, only: ColumnElement[bool] | None = None,
                skip_locked: bool = False) -> int | None:
    """The first case of the worklist's order that nobody holds (no owner, or a lease that
    expired), among open cases in `statuses`. With `skip_locked` (PostgreSQL) the row is
    locked and rows another transaction is taking are skipped, so two takers at once get
    two different cases."""
    stmt = (select(Case.id)
            .where(Case.status == "open", Case.work_status.in_(list(statuses)),
                   Case.owner_id.is_(None) | (Case.lease_until.is_not(None)
                                              & (Case.lease_until <= now)),
                   true() if only is None else only)
            .order_by(*worklist_order()).limit(1))
    if level:
        stmt = stmt.where(Case.priority_level == level)
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    return session.scalar(stmt)


def worklist(session: Session, level: str | None = None, limit: int = 100,
             only: ColumnElement[bool] | None = None) -> list[WorklistRow]:
    """Open cases, most urgent level first, then the nearest deadline, then the higher score.
    Cases not yet triaged and cases without a deadline come last within their order. `only`
    narrows the cases (to those a reader may see)."""
    counts = (select(CaseReport.case_id, func.count().label("n"))
              .group_by(CaseReport.case_id).subquery())
    stmt = (select(Case, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.case_id == Case.id)
            .where(Case.status == "open", true() if only is None else only)
            .order_by(*worklist_order())
            .limit(limit))
    if level:
        stmt = stmt.where(Case.priority_level == level)
    return [WorklistRow(c, int(n)) for c, n in session.execute(stmt)]


SelectT = TypeVar("SelectT", bound=Select)  # type: ignore[type-arg]


# --- the worklist page: filters, keyset pages, counts per level -------------------------------

def _sort_columns() -> tuple[Any, ...]:
    return (func.coalesce(Case.priority_level, NO_LEVEL),
            func.coalesce(Case.deadline, NO_DEADLINE),
            -func.coalesce(Case.priority_score, 0), Case.id)


def _filtered(stmt: SelectT, f: WorklistFilter, only: ColumnElement[bool],
              now: dt.datetime, with_level: bool = True) -> SelectT:
    stmt = stmt.where(Case.status == f.status, only)
    if with_level and f.level:
        stmt = stmt.where(Case.priority_level == f.level)
    if f.within_hours is not None:
        stmt = stmt.where(Case.deadline <= now + dt.timedelta(hours=f.within_hours))
    if f.agency:
        stmt = stmt.where(Case.id.in_(
            select(Route.case_id).join(Agency, Agency.id == Route.agency_id)
            .where(Agency.code == f.agency, Route.status == "active")))
    if f.country:
        # Route reasons are JSON records such as {"kind": "ip", "country": "DE"}.
        stmt = stmt.where(Case.id.in_(
            select(Route.case_id).where(Route.status == "active",
                                        cast(Route.reasons, Text).like(
                                            f'%"country": "{f.country}"%'))))
    if f.new_material:
        stmt = stmt.where(exists(
            select(CaseReport.report_id)
            .join(ClusterMember, ClusterMember.report_id == CaseReport.report_id)
            .join(MediaCluster, MediaCluster.id == ClusterMember.cluster_id)
            .where(CaseReport.case_id == Case.id, MediaCluster.known.is_(False))))
    return stmt


def worklist_page(session: Session, f: WorklistFilter, only: ColumnElement[bool],
                  after: Cursor | None, limit: int, now: dt.datetime) -> list[Case]:
    """One page of cases in worklist order, starting after `after` (keyset)."""
    stmt = _filtered(select(Case), f, only, now).order_by(*_sort_columns()).limit(limit)
    if after is not None:
        stmt = stmt.where(tuple_(*_sort_columns()) > tuple_(
            literal(after.level), literal(after.deadline, UTCDateTime()),
            literal(after.neg_score), literal(after.case_id)))
    return list(session.scalars(stmt))


def report_counts(session: Session, case_ids: list[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    return {case_id: int(n) for case_id, n in session.execute(
        select(CaseReport.case_id, func.count()).where(CaseReport.case_id.in_(case_ids))
        .group_by(CaseReport.case_id))}


def level_counts(session: Session, f: WorklistFilter, only: ColumnElement[bool],
                 now: dt.datetime) -> dict[str, int]:
    """Cases per level under every filter but the level (one grouped query)."""
    level = func.coalesce(Case.priority_level, NO_LEVEL)
    stmt = _filtered(select(level, func.count()), f, only, now, with_level=False)
    return {str(lv): int(n) for lv, n in session.execute(stmt.group_by(level))}


def priorities_of(session: Session, case_id: int) -> list[CasePriority]:
    """Every priority the case had, newest first."""
    return list(session.scalars(select(CasePriority).where(CasePriority.case_id == case_id)
                                .order_by(CasePriority.id.desc())))
