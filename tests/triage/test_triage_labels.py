"""Triage labels say what they mean: a level's label that claims something (a child in
imminent danger, abuse going on) appears only when a rule giving its signal fired, and the
reasons listed with it justify it; otherwise the level's neutral label."""

from __future__ import annotations

import datetime as dt

import pytest

from tipline.triage.policy import load_policy
from tipline.triage.rules import CaseFeatures, PolicyError, parse_policy, score

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
DANGER = "child in imminent danger"


def crowd(**extra: object) -> CaseFeatures:
    """28 reports from 9 accounts, all reported before, new material, a near deadline: a lot
    of volume and no sign of danger."""
    values: dict[str, object] = dict(
        reports=28, accounts=9, repeat_accounts=9, new_material=4, baseline_files=6,
        youngest_age_band="prepubescent", deadline=NOW + dt.timedelta(hours=40), now=NOW)
    return CaseFeatures(**{**values, **extra})  # type: ignore[arg-type]


def test_28_reports_from_9_accounts_without_a_signal_are_urgent_not_in_danger() -> None:
    priority = score(load_policy(), crowd())
    assert priority.level == "P1" and priority.score >= 100
    assert priority.label == "urgent"
    assert not any("signals" in r for r in priority.reasons)
    assert not any("danger" in r["reason"] for r in priority.reasons)


@pytest.mark.parametrize("signal", [
    {"escalation": True},
    {"file_annotations": frozenset({"liveStreaming"})},
    {"victim_in_contact": True},
    {"report_annotations": frozenset({"sextortion"})},
])
def test_a_danger_signal_justifies_the_danger_label(signal: dict[str, object]) -> None:
    priority = score(load_policy(), crowd(**signal))
    assert (priority.level, priority.label) == ("P1", DANGER)
    assert any("danger" in r.get("signals", []) for r in priority.reasons)


def test_the_high_level_names_active_abuse_only_with_a_reason_for_it() -> None:
    policy = load_policy()
    near = score(policy, CaseFeatures(deadline=NOW + dt.timedelta(hours=10), now=NOW))
    assert (near.level, near.label) == ("P2", "high")  # a deadline floor, nothing more
    enticed = score(policy, CaseFeatures(incident_types=frozenset(
        {"Online Enticement of Children for Sexual Acts"}), accounts=3, now=NOW))
    assert enticed.level == "P2" and enticed.label.startswith("high: active abuse")
    assert any("active" in r.get("signals", []) for r in enticed.reasons)


def test_levels_without_requirements_keep_their_label() -> None:
    assert score(load_policy(), CaseFeatures(now=NOW)).label == "informational"


def test_a_level_requiring_a_signal_needs_a_neutral_label_and_a_rule_giving_it() -> None:
    base = ('name = "t"\nversion = 1\n[[levels]]\nname = "P1"\nlabel = "danger"\n'
            'label_requires = ["danger"]\n{neutral}min_score = 10\n[[levels]]\nname = "P2"\n'
            'min_score = 0\n[[rules]]\nfeature = "escalation"\npoints = 10\nreason = "x"\n')
    with pytest.raises(PolicyError, match="neutral_label"):
        parse_policy(base.format(neutral=""))
    with pytest.raises(PolicyError, match="no rule gives"):
        parse_policy(base.format(neutral='neutral_label = "urgent"\n'))
    policy = parse_policy(base.format(neutral='neutral_label = "urgent"\n')
                          + 'signals = ["danger"]\n')
    assert score(policy, CaseFeatures(escalation=True)).label == "danger"
