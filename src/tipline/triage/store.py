"""Queries of triage: priorities, the worklist and its pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, func, literal, select, true, tuple_
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.cases.models import WORKLIST_ORDER, Case, CasePriority, CaseReport
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.db import UTCDateTime
from tipline.routing.models import Route, RouteCountry
from tipline.triage.worklist import LEVELS, NO_LEVEL, Cursor, WorklistFilter


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
            .order_by(*WORKLIST_ORDER).limit(1))
    if level:
        stmt = stmt.where(WORKLIST_ORDER[0] == level)
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    return session.scalar(stmt)


def worklist(session: Session, level: str | None = None, limit: int = 100,
             only: ColumnElement[bool] | None = None) -> list[WorklistRow]:
    """Open cases in worklist order (`WORKLIST_ORDER`: most urgent level first, then the
    nearest deadline, then the higher score; cases not yet triaged and cases without a
    deadline last). `only` narrows the cases (to those a reader may see)."""
    stmt = (select(Case).where(Case.status == "open", true() if only is None else only)
            .order_by(*WORKLIST_ORDER).limit(limit))
    if level:
        stmt = stmt.where(WORKLIST_ORDER[0] == level)
    cases = list(session.scalars(stmt))
    reports = report_counts(session, [c.id for c in cases])
    return [WorklistRow(c, reports.get(c.id, 0)) for c in cases]


SelectT = TypeVar("SelectT", bound=Select)  # type: ignore[type-arg]


# --- the worklist page: filters, keyset pages, counts per level -------------------------------
# Every filter on level and deadline is written on the expressions of `WORKLIST_ORDER`, so
# the index on them bounds the scan (a filter on the bare column would only be checked row
# by row while the scan walks the whole level).

def held_by(owner_id: int | None, now: dt.datetime) -> ColumnElement[bool]:
    """Cases this user holds (assigned, or taken with a lease still running); with None,
    cases nobody holds (no owner, or a lease that ran out)."""
    running = Case.lease_until.is_(None) | (Case.lease_until > now)
    if owner_id is None:
        return Case.owner_id.is_(None) | ~running
    return (Case.owner_id == owner_id) & running


def _filtered(stmt: SelectT, f: WorklistFilter, only: ColumnElement[bool],
              now: dt.datetime, with_level: bool = True) -> SelectT:
    level, deadline = WORKLIST_ORDER[0], WORKLIST_ORDER[1]
    stmt = stmt.where(Case.status == f.status, only)
    if with_level and f.level:
        stmt = stmt.where(level == f.level)
    if f.within_hours is not None:
        stmt = stmt.where(deadline <= now + dt.timedelta(hours=f.within_hours))
    if f.agency:
        stmt = stmt.where(Case.id.in_(
            select(Route.case_id).join(Agency, Agency.id == Route.agency_id)
            .where(Agency.code == f.agency, Route.status == "active")))
    if f.country:
        stmt = stmt.where(Case.id.in_(  # rows of active routes only (routing keeps them so)
            select(RouteCountry.case_id).where(RouteCountry.country == f.country)))
    if f.work_status:
        stmt = stmt.where(Case.work_status == f.work_status)
    if f.new_material:
        stmt = stmt.where(exists(
            select(CaseReport.report_id)
            .join(ClusterMember, ClusterMember.report_id == CaseReport.report_id)
            .join(MediaCluster, MediaCluster.id == ClusterMember.cluster_id)
            .where(CaseReport.case_id == Case.id, MediaCluster.known.is_(False))))
    return stmt


def worklist_page_query(f: WorklistFilter, only: ColumnElement[bool], after: Cursor | None,
                        limit: int, now: dt.datetime) -> Select[Any]:
    """One page of cases in worklist order, starting after `after` (keyset: a range scan of
    the worklist index from the cursor on, whatever the page's depth)."""
    # With one level, the level is left out of the order (it is constant): SQLite would not
    # see that on an expression and sort the range instead of reading the index in order.
    order = WORKLIST_ORDER[1:] if f.level else WORKLIST_ORDER
    stmt = _filtered(select(Case), f, only, now).order_by(*order).limit(limit)
    if after is not None:
        stmt = stmt.where(tuple_(*WORKLIST_ORDER) > tuple_(
            literal(after.level), literal(after.deadline, UTCDateTime()),
            literal(after.neg_score), literal(after.case_id)))
    return stmt


def worklist_page(session: Session, f: WorklistFilter, only: ColumnElement[bool],
                  after: Cursor | None, limit: int, now: dt.datetime) -> list[Case]:
    return list(session.scalars(worklist_page_query(f, only, after, limit, now)))


def report_counts(session: Session, case_ids: list[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    return {case_id: int(n) for case_id, n in session.execute(
        select(CaseReport.case_id, func.count()).where(CaseReport.case_id.in_(case_ids))
        .group_by(CaseReport.case_id))}


def level_counts_query(f: WorklistFilter, only: ColumnElement[bool], now: dt.datetime,
                       cap: int) -> Select[Any]:
    """One row: per level, the cases under every filter but the level, counted up to
    `cap` + 1 (each a bounded range of the worklist index, never a count of everything)."""
    counts = []
    for level in (*LEVELS, NO_LEVEL):
        rows = (_filtered(select(Case.id), f, only, now, with_level=False)
                .where(WORKLIST_ORDER[0] == level).limit(cap + 1).subquery())
        counts.append(select(func.count()).select_from(rows).scalar_subquery().label(level))
    return select(*counts)


def level_counts(session: Session, f: WorklistFilter, only: ColumnElement[bool],
                 now: dt.datetime, cap: int) -> dict[str, int]:
    """Cases per level under every filter but the level; a count above `cap` means "more
    than `cap`". Levels without a case are left out."""
    row = session.execute(level_counts_query(f, only, now, cap)).one()
    return {level: int(n) for level, n in row._mapping.items() if n}


def priorities_of(session: Session, case_id: int) -> list[CasePriority]:
    """Every priority the case had, newest first."""
    return list(session.scalars(select(CasePriority).where(CasePriority.case_id == case_id)
                                .order_by(CasePriority.id.desc())))
