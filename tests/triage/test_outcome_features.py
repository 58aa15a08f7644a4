"""Outcomes inform triage: a policy may use a reporter's actionable rate, and the reasons of
the priority show it; too few decided outcomes count for nothing."""

from __future__ import annotations

from outcome_support import add_agency, add_case
from tipline.agencies.models import Agency
from tipline.audit.service import Actor
from tipline.cases.models import Case
from tipline.db import utcnow
from tipline.outcomes import service as outcomes
from tipline.state import AppState
from tipline.triage.features import MIN_DECIDED, build_features
from tipline.triage.rules import parse_policy
from tipline.triage.service import recompute

from support import add_reporter

POLICY = """
name = "outcome-aware"
version = 1
[[levels]]
name = "P3"
min_score = 10
[[levels]]
name = "P4"
min_score = 0
[[rules]]
feature = "reporter_actionable_percent"
at_least = 60
points = 10
reason = "agencies found {count}% of this reporter's reports actionable"
"""


def _decide(state: AppState, reporter: str, agency_id: int, code: str,
            reason: str | None = None) -> None:
    case_id, _ = add_case(state, reporter, agency_id=agency_id)
    with state.db.transaction() as session:
        found = session.get(Agency, agency_id)
        case = session.get(Case, case_id)
        assert found is not None and case is not None
        outcomes.record_outcome(session, found, case, outcomes.OutcomeIn(case_id, code,
                                                                         reason=reason),
                                "api", Actor("test"), utcnow())


def test_a_reporters_actionable_rate_shows_in_the_reasons(state: AppState) -> None:
    add_reporter(state, "steady-platform")
    agency_id = add_agency(state, "DE-BKA")
    for i in range(MIN_DECIDED):
        _decide(state, "steady-platform", agency_id, "arrest" if i < 7 else "not_actionable",
                None if i < 7 else "duplicate")
    new_case, _ = add_case(state, "steady-platform")
    policy = parse_policy(POLICY)
    with state.db.transaction() as session:
        assert build_features(session, new_case).reporter_actionable_percent == 70
        priority = recompute(session, new_case, policy)
    assert priority is not None and priority.level == "P3"
    assert [r["reason"] for r in priority.reasons] == [
        "agencies found 70% of this reporter's reports actionable"]


def test_too_few_outcomes_count_for_nothing(state: AppState) -> None:
    add_reporter(state, "new-platform")
    agency_id = add_agency(state, "DE-BKA")
    for _ in range(MIN_DECIDED - 1):
        _decide(state, "new-platform", agency_id, "arrest")
    new_case, _ = add_case(state, "new-platform")
    with state.db.transaction() as session:
        assert build_features(session, new_case).reporter_actionable_percent == 0
        priority = recompute(session, new_case, parse_policy(POLICY))
    assert priority is not None and priority.level == "P4" and priority.reasons == []
