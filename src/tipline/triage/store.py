from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from tipline.cases.models import Case, CasePriority, CaseReport


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
