"""Triage use cases: recompute a case's priority, keeping every previous one. Never commits.

Triage runs after routing and reads the case's deadline (routing owns it); the policy comes
from the caller (the stage, the CLI, the API), never from the environment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tipline.cases.models import Case, CaseEvent, CasePriority
from tipline.triage import store
from tipline.triage.features import build_features
from tipline.triage.policy import current_policy
from tipline.triage.rules import Policy, Priority, score


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
    unchanged = previous is not None and (previous.level, previous.score, previous.reasons) == (
        priority.level, priority.score, priority.reasons)
    if unchanged:
        return priority
    found.priority_level, found.priority_score = priority.level, priority.score
    found.priority_reasons = priority.reasons
    session.add(CasePriority(case_id=case_id, level=priority.level, score=priority.score,
                             reasons=priority.reasons, policy=priority.policy))
    session.add(CaseEvent(case_id=case_id, kind="priority_changed", detail={
        "from": previous.level if previous else None, "to": priority.level,
        "score": priority.score, "policy": priority.policy}))
    return priority


def recompute_for_reports(session: Session, report_ids: set[int], policy: Policy) -> None:
    """Recompute every case holding one of these reports (after a review changed facts)."""
    session.flush()
    for case_id in store.case_ids_of_reports(session, report_ids):
        recompute(session, case_id, policy)
