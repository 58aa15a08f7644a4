"""Triage use cases: recompute a case's priority, keeping every previous one. Never commits.

Triage runs after routing and reads the case's deadline (routing owns it); the policy comes
from the caller (the stage, the CLI, the API), never from the environment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from tipline.cases import store as cases_store
from tipline.cases.models import Case, CaseEvent, CasePriority
from tipline.triage import store
from tipline.triage.features import build_features
from tipline.triage.policy import current_policy
from tipline.triage.rules import Policy, Priority, score
from tipline.workqueue.items import Item, enqueue

RETRIAGE = "triage"  # the work queue of cases to re-triage (key: the case id)


def recompute(session: Session, case_id: int, policy: Policy | None = None,
              now: dt.datetime | None = None) -> Priority | None:
    """Score the case and store the result on it; a new `CasePriority` row (and a case event)
    only when level, score or reasons changed, so the history shows real changes only.
    Without a policy the shipped default applies (callers with settings pass theirs)."""
    found = session.get(Case, case_id)
    if found is None:
        return None
    policy = policy or current_policy(None)
    priority = score(policy, build_features(session, case_id, now))
    previous = store.latest_priority(session, case_id)
    unchanged = previous is not None and (
        previous.level, previous.score, previous.reasons, previous.label) == (
        priority.level, priority.score, priority.reasons, priority.label)
    if unchanged:
        return priority
    found.priority_level, found.priority_score = priority.level, priority.score
    found.priority_reasons, found.priority_label = priority.reasons, priority.label
    session.add(CasePriority(case_id=case_id, level=priority.level, score=priority.score,
                             reasons=priority.reasons, policy=priority.policy,
                             label=priority.label))
    session.add(CaseEvent(case_id=case_id, kind="priority_changed", detail={
        "from": previous.level if previous else None, "to": priority.level,
        "label": priority.label, "score": priority.score, "policy": priority.policy}))
    return priority


def request_retriage(session: Session, report_ids: set[int], reason: str) -> list[int]:
    """Queue a re-triage of every case holding one of these reports (a review changed their
    facts), in the caller's transaction; the work-items worker runs it (`retriage`). Asking
    again while one is pending adds nothing."""
    session.flush()
    cases = store.case_ids_of_reports(session, report_ids)
    for case_id in cases:
        enqueue(session, RETRIAGE, str(case_id), {"reason": reason})
    return cases


def retriage(policy_path: Path | None, session: Session, item: Item) -> None:
    """The handler of the `triage` work queue: recompute one case (a case merged meanwhile is
    recomputed as its survivor) with the policy in force now."""
    case = cases_store.resolve(session, int(item.key))
    if case is not None:
        recompute(session, case.id, current_policy(policy_path))
