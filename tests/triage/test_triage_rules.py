"""Policy parsing and scoring: pure, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from tipline.triage.policy import default_policy_text, load_policy
from tipline.triage.rules import CaseFeatures, PolicyError, parse_policy, score

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def features(**values: object) -> CaseFeatures:
    return CaseFeatures(now=NOW, **values)  # type: ignore[arg-type]


def test_the_shipped_policy_is_valid() -> None:
    policy = load_policy()
    assert [lv.name for lv in policy.levels] == ["P1", "P2", "P3", "P4"]
    assert policy.label == "default v1"


def test_nothing_notable_is_informational() -> None:
    priority = score(load_policy(), features())
    assert (priority.level, priority.score, priority.reasons) == ("P4", 0, [])


def test_sextortion_is_at_least_p2_with_its_reason() -> None:
    priority = score(load_policy(), features(report_annotations=frozenset({"sextortion"})))
    assert priority.level == "P2"
    assert priority.reasons[0]["reason"].startswith("sextortion")


def test_contact_abuse_is_p1_whatever_the_score() -> None:
    priority = score(load_policy(),
                     features(incident_types=frozenset({"Child Sexual Molestation"})))
    assert priority.level == "P1" and priority.score == 60


def test_points_add_up_and_reasons_are_listed_most_points_first() -> None:
    priority = score(load_policy(), features(escalation=True, new_material=2,
                                             youngest_age_band="infant", victims=3))
    assert priority.score == 40 + 30 + 40 + 20
    assert priority.level == "P1"
    points = [r["points"] for r in priority.reasons]
    assert points == sorted(points, reverse=True)
    assert any("2 media cluster(s)" in r["reason"] for r in priority.reasons)


def test_a_group_counts_only_its_strongest_rule() -> None:
    near = score(load_policy(), features(deadline=NOW + dt.timedelta(hours=10)))
    assert near.score == 30 and len(near.reasons) == 1
    later = score(load_policy(), features(deadline=NOW + dt.timedelta(days=10)))
    assert later.score == 10
    passed = score(load_policy(), features(deadline=NOW - dt.timedelta(hours=1)))
    assert passed.score == 0 and "passed" in passed.reasons[0]["reason"]


def test_an_assumed_deadline_says_so() -> None:
    priority = score(load_policy(), features(deadline=NOW + dt.timedelta(hours=5),
                                             deadline_assumed=True))
    assert "assumed" in priority.reasons[0]["reason"]


def test_an_edited_policy_changes_the_result_without_code(tmp_path: object) -> None:
    text = default_policy_text().replace("points = 40\nreason = \"the reporter asked",
                                         "points = 100\nreason = \"the reporter asked")
    policy = parse_policy(text.replace("version = 1", "version = 2"))
    priority = score(policy, features(escalation=True))
    assert (priority.level, priority.policy) == ("P1", "default v2")


MINIMAL = """
name = "t"
version = 1
[deadline]
default_retention_days = 7
[[levels]]
name = "P1"
min_score = 10
[[levels]]
name = "P2"
min_score = 0
"""


@pytest.mark.parametrize(("rules", "message"), [
    ('[[rules]]\nfeature = "moon_phase"\npoints = 1\nreason = "x"',
     r"my.toml rules\[0\]: unknown feature"),
    ('[[rules]]\nfeature = "escalation"\nreason = "x"', r"my.toml rules\[0\]: `points` is missing"),
    ('[[rules]]\nfeature = "escalation"\npoints = "ten"\nreason = "x"', "whole number"),
    ('[[rules]]\nfeature = "age_band"\npoints = 1\nreason = "x"', "`value` is missing"),
    ('[[rules]]\nfeature = "escalation"\npoints = 1\nreason = "x"\nmin_level = "P0"',
     "min_level 'P0' is not a level"),
    ('[[rules]]\nfeature = "victims"\npoints = 1\nreason = "{victims}"', "placeholder"),
    ('[[rules]]\nfeature = "escalation"\npoints = 1\nreason = "x"\npionts = 2', "unknown key"),
])
def test_policy_errors_name_the_rule_and_the_problem(rules: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(MINIMAL + rules, "my.toml")


def test_levels_must_fall_and_end_at_zero() -> None:
    text = MINIMAL.replace("min_score = 0", "min_score = 20")
    with pytest.raises(PolicyError, match="strictly falling"):
        parse_policy(text + '[[rules]]\nfeature = "escalation"\npoints = 1\nreason = "x"')


def test_not_toml_is_a_clear_error() -> None:
    with pytest.raises(PolicyError, match=r"my\.toml: not valid TOML"):
        parse_policy("levels = [", "my.toml")
