"""Casework on one case: who holds it (take, assign, release, leases), its status and closing
reason, and its notes. Every act is written to the case's history (`CaseEvent`, with who and
what changed from what to what) and to the audit log. Never commits: use cases do.

Holding a case: `take` gives the acting user the case with a lease (renewed by every act of
its owner, released on release, close or logout, void once it expires); `assign` (a
supervisor's) gives it to someone without a lease, held until released. Someone else's live
hold makes every changing act a `Conflict`; notes may be added by anyone who works cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.cases import rules, store
from tipline.cases.models import Case, CaseEvent, CaseNote
from tipline.db import utcnow
from tipline.errors import Conflict
from tipline.users.models import User
from tipline.users.service import StaffUser


class CaseHeld(Conflict):
    """The case is held by someone else (409)."""


class CaseNotOpen(Conflict):
    """The case is closed (reopen it first) or was merged into another (409)."""


def note_event(session: Session, case: Case, kind: str, user: StaffUser, actor: Actor,
               **detail: Any) -> None:
    """One act: a history entry on the case and an audit event, in the caller's transaction."""
    session.add(CaseEvent(case_id=case.id, kind=kind, actor=actor.name,
                          detail={"by": user.username, **detail}))
    record(session, actor, f"case.{kind}", "case", case.id, **detail)


def holder(session: Session, case: Case) -> str | None:
    owner = session.get(User, case.owner_id) if case.owner_id is not None else None
    return owner.username if owner else None


def check_not_held(session: Session, case: Case, user: StaffUser, now: dt.datetime) -> None:
    if rules.held_by_other(case.owner_id, case.lease_until, user.id, now):
        until = f" until {case.lease_until:%Y-%m-%d %H:%M} UTC" if case.lease_until else ""
        raise CaseHeld(f"case {case.id} is held by {holder(session, case)}{until}; ask them "
                       "or a supervisor to release it")


def check_open(case: Case, what: str) -> None:
    if case.status == "merged":
        raise CaseNotOpen(f"case {case.id} was merged into case {case.merged_into_id}")
    if case.status != "open":
        raise CaseNotOpen(f"case {case.id} is closed: reopen it before you {what}")


def renew(case: Case, user: StaffUser, lease: dt.timedelta, now: dt.datetime) -> None:
    """Its owner is working the case: a lease taken from the queue runs on."""
    if case.owner_id == user.id and case.lease_until is not None:
        case.lease_until = now + lease


def take(session: Session, case: Case, user: StaffUser, actor: Actor, lease: dt.timedelta,
         now: dt.datetime | None = None) -> None:
    """The acting user holds the case until the lease ends (renewed while they work). Taking
    one's own case renews it; a case whose holder's lease expired is taken over; a new case
    goes into review."""
    now = now or utcnow()
    check_open(case, "take it")
    check_not_held(session, case, user, now)
    if case.owner_id == user.id:
        renew(case, user, lease, now)
        return
    previous = holder(session, case)
    expired = case.lease_until.isoformat() if case.lease_until else None
    case.owner_id, case.lease_until, case.updated_at = user.id, now + lease, now
    note_event(session, case, "taken", user, actor, **{"from": previous, "to": user.username},
               lease_until=case.lease_until.isoformat(),
               **({"expired_lease": expired} if previous else {}))
    if case.work_status == "new":
        _move(session, case, "in_review", None, "taken for review", user, actor, now)


def assign(session: Session, case: Case, assignee: User, user: StaffUser, actor: Actor,
           now: dt.datetime | None = None) -> None:
    """A supervisor gives the case to a user: held (without a lease) until released."""
    now = now or utcnow()
    check_open(case, "assign it")
    previous = holder(session, case)
    if case.owner_id == assignee.id and case.lease_until is None:
        return
    case.owner_id, case.lease_until, case.updated_at = assignee.id, None, now
    note_event(session, case, "assigned", user, actor,
               **{"from": previous, "to": assignee.username})


def release(session: Session, case: Case, user: StaffUser, actor: Actor, why: str = "released",
            override: bool = False, now: dt.datetime | None = None) -> None:
    """Nobody holds the case any more. Only its holder may release it, or a supervisor
    (`override`); releasing a case nobody holds does nothing."""
    now = now or utcnow()
    if case.owner_id is None:
        return
    if not override:
        check_not_held(session, case, user, now)
    previous = holder(session, case)
    case.owner_id, case.lease_until, case.updated_at = None, None, now
    note_event(session, case, "released", user, actor, **{"from": previous, "to": None},
               why=why)


def set_status(session: Session, case: Case, target: str, closing_reason: str | None,
               reason: str | None, user: StaffUser, actor: Actor, lease: dt.timedelta,
               now: dt.datetime | None = None) -> None:
    """Move the case to `target` (see `rules.TRANSITIONS`). Closing records the closing
    reason and releases the case; reopening needs a reason."""
    now = now or utcnow()
    if case.status == "merged":
        check_open(case, "change its status")
    check_not_held(session, case, user, now)
    rules.check_transition(case.work_status, target, closing_reason, reason)
    _move(session, case, target, closing_reason, reason, user, actor, now)
    if target == "closed":
        release(session, case, user, actor, why="closed", now=now)
    else:
        renew(case, user, lease, now)


def _move(session: Session, case: Case, target: str, closing_reason: str | None,
          reason: str | None, user: StaffUser, actor: Actor, now: dt.datetime) -> None:
    previous = case.work_status
    case.work_status, case.closing_reason, case.updated_at = target, closing_reason, now
    case.status = "closed" if target == "closed" else "open"
    detail: dict[str, Any] = {"from": previous, "to": target}
    if closing_reason:
        detail["closing_reason"] = closing_reason
        detail["closing_reason_text"] = rules.CLOSING_REASONS[closing_reason]
    if reason and reason.strip():
        detail["reason"] = reason.strip()
    note_event(session, case, "reopened" if previous == "closed" else "status_changed",
               user, actor, **detail)


def add_note(session: Session, case: Case, text: str, user: StaffUser, actor: Actor,
             lease: dt.timedelta, now: dt.datetime | None = None) -> CaseNote:
    """Append a note (notes are never edited or deleted)."""
    now = now or utcnow()
    note = CaseNote(case_id=case.id, author_id=user.id, author=user.username, at=now,
                    text=rules.check_note(text))
    session.add(note)
    session.flush()
    note_event(session, case, "note_added", user, actor, note_id=note.id,
               chars=len(note.text))
    renew(case, user, lease, now)
    return note


def release_leases(session: Session, user: StaffUser, actor: Actor, why: str) -> list[int]:
    """Release every case the user holds by a lease (on logout); assigned cases stay."""
    released = []
    for case in store.leased_by(session, user.id):
        release(session, case, user, actor, why=why)
        released.append(case.id)
    return released


def work_view(session: Session, case: Case, now: dt.datetime | None = None
              ) -> dict[str, Any]:
    """Who holds the case and where it stands, for readers and the actions' answers."""
    now = now or utcnow()
    live = case.owner_id is not None and (case.lease_until is None or case.lease_until > now)
    return {
        "case_id": case.id, "status": case.work_status, "closing_reason": case.closing_reason,
        "owner": holder(session, case) if live else None,
        "owner_id": case.owner_id if live else None,
        "lease_until": case.lease_until.isoformat() if live and case.lease_until else None,
        "assigned": live and case.lease_until is None,
    }
