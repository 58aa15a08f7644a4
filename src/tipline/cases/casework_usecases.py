"""Casework use cases: take, assign, release, status, notes, split, unlink, merge, take next.

Each is one transaction with access applied inside. Reading a case is open to whoever may see
it (`tipline.access`); casework is the centre's: an agency user gets 403 on a case routed to it
and 404 on any other. Each act locks the case row, so two people acting at once on one case are
served one after the other, the second seeing the first's result (a case held by someone else
is a 409). `lease` is `TIPLINE_CASE_LEASE_MINUTES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from tipline import access
from tipline.audit.service import Actor, record
from tipline.cases import casework, relink, store
from tipline.cases.models import Case, CaseReport
from tipline.cases.rules import (
    CLOSING_REASONS,
    QUEUE_STATUSES,
    STATUSES,
    TRANSITIONS,
    CaseworkError,
)
from tipline.cases.service import case_view
from tipline.db import Database, utcnow
from tipline.errors import NotFound
from tipline.triage import store as worklist_store
from tipline.triage.service import RETRIAGE
from tipline.users import store as users_store
from tipline.users.models import User
from tipline.users.service import StaffUser
from tipline.workqueue.items import enqueue


def casework_page(db: Database, user: StaffUser, actor: Actor, case_id: int
                  ) -> dict[str, Any]:
    """A case as `view_case` gives it, with what this user may do on it: the transitions its
    status allows, the closing reasons, and (for a supervisor) whom it may be assigned to."""
    with db.transaction() as session:
        viewer = access.staff_viewer(session, user)
        case = access.case(session, viewer, case_id)
        view = case_view(session, case_id, access.visible_reports(viewer, CaseReport.report_id))
        assert view is not None
        record(session, actor, "case.view", "case", case.id)
        supervises = access.is_supervisor(viewer)
        assignees = [(u.id, u.username) for u in users_store.active_with_roles(
            session, access.CENTRE_ROLES)] if supervises else []
        return {"case": view, "may_work": viewer.is_centre, "may_supervise": supervises,
                "mine": view["owner"] == user.username,
                "transitions": sorted(TRANSITIONS[case.work_status]),
                "closing_reasons": CLOSING_REASONS, "assignees": assignees}


def _work_on(session: Session, user: StaffUser, case_id: int) -> tuple[access.Viewer, Case]:
    """The case to work on, locked: 404 unless the user may see it, 403 unless they may work
    it."""
    viewer = access.staff_viewer(session, user)
    found = access.casework_case(session, viewer, case_id)
    locked = store.lock(session, found.id)
    if locked is None:  # deleted meanwhile: cases are never deleted, but say so plainly
        raise NotFound(f"case {case_id} does not exist")
    return viewer, locked


def take_case(db: Database, lease: dt.timedelta, user: StaffUser, actor: Actor,
              case_id: int) -> dict[str, Any]:
    """The user takes the case (or renews their lease on it); 409 if someone else holds it."""
    with db.transaction() as session:
        _, case = _work_on(session, user, case_id)
        casework.take(session, case, user, actor, lease)
        return casework.work_view(session, case)


def take_next(db: Database, lease: dt.timedelta, user: StaffUser, actor: Actor,
              level: str | None = None, statuses: Sequence[str] = QUEUE_STATUSES
              ) -> dict[str, Any] | None:
    """The most urgent case nobody holds (worklist order, optionally one level and these
    statuses), taken by the user with a lease; None when the queue is empty. Two takers at
    once never get the same case (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer)."""
    unknown = set(statuses) - set(STATUSES)
    if unknown:
        raise CaseworkError(f"unknown status(es) {', '.join(sorted(unknown))}")
    with db.transaction() as session:
        viewer = access.staff_viewer(session, user)
        access.check_casework(viewer)
        case_id = worklist_store.next_unheld(session, utcnow(), statuses, level,
                                             access.visible_cases(viewer),
                                             skip_locked=not db.is_sqlite)
        case = store.lock(session, case_id) if case_id is not None else None
        if case is None:
            return None
        casework.take(session, case, user, actor, lease)
        return casework.work_view(session, case)


def assign_case(db: Database, user: StaffUser, actor: Actor, case_id: int,
                assignee_id: int) -> dict[str, Any]:
    """A supervisor or administrator gives the case to a member of the centre's staff."""
    with db.transaction() as session:
        viewer, case = _work_on(session, user, case_id)
        access.check_supervise(viewer, "assign cases")
        assignee = access.check_assignee(session.get(User, assignee_id), assignee_id)
        casework.assign(session, case, assignee, user, actor)
        return casework.work_view(session, case)


def release_case(db: Database, user: StaffUser, actor: Actor, case_id: int
                 ) -> dict[str, Any]:
    """Its holder lets the case go (a supervisor may release anyone's)."""
    with db.transaction() as session:
        viewer, case = _work_on(session, user, case_id)
        casework.release(session, case, user, actor, override=access.is_supervisor(viewer))
        return casework.work_view(session, case)


def change_status(db: Database, lease: dt.timedelta, user: StaffUser, actor: Actor,
                  case_id: int, status: str, closing_reason: str | None = None,
                  reason: str | None = None) -> dict[str, Any]:
    """Move the case to a status (closing needs a closing reason, reopening a reason)."""
    with db.transaction() as session:
        _, case = _work_on(session, user, case_id)
        casework.set_status(session, case, status, closing_reason, reason, user, actor, lease)
        return casework.work_view(session, case)


def add_note(db: Database, lease: dt.timedelta, user: StaffUser, actor: Actor, case_id: int,
             text: str) -> dict[str, Any]:
    """Append a note to the case."""
    with db.transaction() as session:
        _, case = _work_on(session, user, case_id)
        note = casework.add_note(session, case, text, user, actor, lease)
        return {"id": note.id, "case_id": case.id, "author": note.author,
                "at": note.at.isoformat(), "text": note.text}


def split_report(db: Database, user: StaffUser, actor: Actor, case_id: int, report_id: int,
                 reason: str) -> dict[str, Any]:
    """Move a report out of its case into a new case that linking keeps apart."""
    with db.transaction() as session:
        _, case = _work_on(session, user, case_id)
        created = relink.split(session, case, report_id, reason, user, actor)
        _retriage(session, [case.id, created.id], "split")
        return {"case_id": case.id, "new_case_ids": [created.id]}


def unlink_reports(db: Database, user: StaffUser, actor: Actor, case_id: int, report_id: int,
                   other_report_id: int, reason: str) -> dict[str, Any]:
    """Remove a wrong link between two reports of the case; a part no longer connected to
    the rest becomes a new case that linking keeps apart."""
    with db.transaction() as session:
        _, case = _work_on(session, user, case_id)
        created = relink.unlink(session, case, report_id, other_report_id, reason, user, actor)
        _retriage(session, [case.id, *(c.id for c in created)], "unlink")
        return {"case_id": case.id, "new_case_ids": [c.id for c in created]}


def merge_cases(db: Database, user: StaffUser, actor: Actor, case_id: int,
                other_case_id: int, reason: str) -> dict[str, Any]:
    """Merge another case into this one by hand."""
    with db.transaction() as session:
        viewer, case = _work_on(session, user, case_id)
        other = access.casework_case(session, viewer, other_case_id)
        locked = store.lock(session, other.id)
        assert locked is not None
        relink.merge_by_hand(session, case, locked, reason, user, actor)
        _retriage(session, [case.id], "merge")
        return {"case_id": case.id, "merged": [locked.id]}


def release_my_cases(db: Database, user: StaffUser, actor: Actor,
                     why: str = "logout") -> list[int]:
    """Release every case the user holds by a lease (on logout); assigned cases stay."""
    with db.transaction() as session:
        return casework.release_leases(session, user, actor, why)


def _retriage(session: Session, case_ids: list[int], why: str) -> None:
    """Their reports changed: the work queue recomputes their priority (triage's)."""
    session.flush()
    for case_id in case_ids:
        enqueue(session, RETRIAGE, str(case_id), {"reason": f"case {why}"})
