"""Undoing wrong links, by hand: split a report out of its case, unlink a link that was wrong,
merge two cases. Each records a `CaseLinkDecision` that the linking stage obeys (cases kept
apart are never merged again by a report sharing their keys; a hand merge revokes the
decisions that kept the two apart), and each is written to both cases' history with the
removed links' keys, so why they had been linked stays visible. Never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tipline.audit.service import Actor
from tipline.cases import rules, store
from tipline.cases.casework import check_not_held, check_open, note_event
from tipline.cases.models import Case, CaseLinkDecision, CaseReport
from tipline.cases.service import LOCK, new_case, refresh
from tipline.clusters.store import serialize
from tipline.db import utcnow
from tipline.errors import Invalid, NotFound
from tipline.users.service import StaffUser

HAND_MERGE_KEY = "merged by hand"


class RelinkError(Invalid):
    """A split, unlink or merge that cannot be done as asked (400)."""


def split(session: Session, case: Case, report_id: int, reason: str, user: StaffUser,
          actor: Actor) -> Case:
    """Move one report out of the case into a new case, kept apart from this one."""
    serialize(session, LOCK)
    _check_workable(session, case, user)
    rows = {row.report_id: row for row in store.links_of(session, case.id)}
    if report_id not in rows:
        raise NotFound(f"report {report_id} is not in case {case.id}")
    if len(rows) == 1:
        raise RelinkError(f"report {report_id} is the only report of case {case.id}")
    [created] = _separate(session, case, [{report_id}], reason, user, actor, "split",
                          {"report_id": report_id})
    return created


def unlink(session: Session, case: Case, report_id: int, other_report_id: int, reason: str,
           user: StaffUser, actor: Actor) -> list[Case]:
    """Remove the link between two reports of the case. When nothing else connects the
    reports on either side, the side without the case's first report becomes a new case
    (kept apart); the new cases are returned (none when the case holds together)."""
    serialize(session, LOCK)
    _check_workable(session, case, user)
    rows = {row.report_id: row for row in store.links_of(session, case.id)}
    if report_id not in rows or other_report_id not in rows:
        raise NotFound(f"reports {report_id} and {other_report_id} are not both in case "
                       f"{case.id}")
    removed = _drop_link(rows[report_id], other_report_id) + _drop_link(
        rows[other_report_id], report_id)
    if not removed:
        raise RelinkError(f"reports {report_id} and {other_report_id} are not linked to each "
                          "other; unlink one of the links the case view lists")
    keys = sorted({k for link in removed for k in link["keys"]})
    note_event(session, case, "link_removed", user, actor, report_id=report_id,
               other_report_id=other_report_id, keys=keys, reason=reason)
    groups = rules.components(rows, _edges(rows.values()))
    separated = _separate(session, case, groups[1:], reason, user, actor, "unlink",
                          {"report_id": report_id, "other_report_id": other_report_id,
                           "keys": keys}) if len(groups) > 1 else []
    refresh(session, case)
    return separated


def merge_by_hand(session: Session, case: Case, other: Case, reason: str, user: StaffUser,
                  actor: Actor) -> None:
    """Merge `other` into `case`: its reports move, it resolves to `case` from now on, and
    decisions that kept the two apart are revoked (a person decided they belong together)."""
    serialize(session, LOCK)
    if other.id == case.id:
        raise RelinkError("a case cannot be merged with itself")
    for each in (case, other):
        _check_workable(session, each, user)
    revoked = _revoke_apart(session, case, other, actor)
    first, moved_first = _first_report(session, case.id), _first_report(session, other.id)
    moved = store.move_reports(session, other.id, case.id)
    if first is not None and moved_first is not None:
        row = session.get(CaseReport, moved_first)
        assert row is not None
        row.linked_by = [*row.linked_by, {"report_id": first, "keys": [HAND_MERGE_KEY],
                                          "by": user.username, "reason": reason}]
    now = utcnow()
    other.status, other.merged_into_id, other.updated_at = "merged", case.id, now
    other.owner_id = other.lease_until = None
    session.add(CaseLinkDecision(kind="merged", case_id=case.id, other_case_id=other.id,
                                 reason=reason, decided_by=actor.name, at=now))
    detail: dict[str, Any] = {"reports": moved, "reason": reason, "revoked": revoked}
    note_event(session, other, "merged_by_hand", user, actor, into=case.id, **detail)
    note_event(session, case, "absorbed_by_hand", user, actor, **{"from": other.id}, **detail)
    session.flush()
    refresh(session, case)


def _check_workable(session: Session, case: Case, user: StaffUser) -> None:
    check_open(case, "change its reports")
    check_not_held(session, case, user, utcnow())


def _separate(session: Session, case: Case, groups: list[set[int]], reason: str,
              user: StaffUser, actor: Actor, how: str, about: dict[str, Any]) -> list[Case]:
    """Each group of the case's reports becomes a new case kept apart from this one; links
    across are removed and listed in both histories."""
    created = []
    for group in groups:
        removed = _cut(session, case.id, group)
        fresh = new_case(session, {"split_from": case.id, "reports": sorted(group),
                                   "by": user.username}, actor.name)
        for report_id in group:
            row = session.get(CaseReport, report_id)
            assert row is not None
            row.case_id = fresh.id
        decision = CaseLinkDecision(
            kind="apart", case_id=fresh.id, other_case_id=case.id,
            report_id=about.get("report_id"), other_report_id=about.get("other_report_id"),
            keys=about.get("keys", sorted({k for link in removed for k in link["keys"]})),
            reason=reason, decided_by=actor.name, at=utcnow())
        session.add(decision)
        session.flush()
        detail = {"reports": sorted(group), "links_removed": removed, "reason": reason,
                  "decision": decision.id}
        note_event(session, case, f"{how}_out", user, actor, into=fresh.id, **detail)
        note_event(session, fresh, f"{how}_in", user, actor, **{"from": case.id}, **detail)
        session.flush()
        refresh(session, fresh)
        created.append(fresh)
    refresh(session, case)
    return created


def _cut(session: Session, case_id: int, group: set[int]) -> list[dict[str, Any]]:
    """Remove every link between `group` and the rest of the case; return them (the report
    linked `from`, the report it was linked `to`, the keys) for the history."""
    removed = []
    for row in store.links_of(session, case_id):
        inside = row.report_id in group
        for link in row.linked_by:
            if (link["report_id"] in group) != inside:
                removed.append({"from": row.report_id, "to": link["report_id"],
                                "keys": link["keys"]})
        kept = [link for link in row.linked_by if (link["report_id"] in group) == inside]
        if len(kept) != len(row.linked_by):
            row.linked_by = kept
    return removed


def _drop_link(row: CaseReport, other: int) -> list[dict[str, Any]]:
    removed = [link for link in row.linked_by if link["report_id"] == other]
    if removed:
        row.linked_by = [link for link in row.linked_by if link["report_id"] != other]
    return removed


def _edges(rows: Any) -> list[tuple[int, int]]:
    return [(row.report_id, int(link["report_id"])) for row in rows for link in row.linked_by]


def _first_report(session: Session, case_id: int) -> int | None:
    rows = store.links_of(session, case_id)
    return rows[0].report_id if rows else None


def _revoke_apart(session: Session, case: Case, other: Case, actor: Actor) -> list[int]:
    mine, theirs = set(store.family(session, case.id)), set(store.family(session, other.id))
    revoked = []
    for decision in store.apart_decisions(session, sorted(mine | theirs)):
        ends = {decision.case_id, decision.other_case_id}
        if ends & mine and ends & theirs:
            decision.revoked_at, decision.revoked_by = utcnow(), actor.name
            revoked.append(decision.id)
    return revoked
