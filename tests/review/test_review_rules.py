"""The wellness arithmetic and the review labels, as pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from tipline.review import rules
from tipline.review.rules import ExposureRow, WellnessPolicy

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
POLICY = WellnessPolicy(blur_level=4, min_blur_level=2, reveal_cap_seconds=60,
                        budget_seconds=600, break_minutes=5, break_gap_minutes=2)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def closed(start: float, seconds: float) -> ExposureRow:
    return ExposureRow("reveal", at(start), at(start + seconds), seconds, 60)


def test_the_budget_adds_closed_reveals_and_an_unclosed_one_at_its_cap() -> None:
    rows = [closed(0, 20), closed(30, 45),
            ExposureRow("reveal", at(100), None, None, 60)]  # never closed
    assert rules.exposure(POLICY, rows, at(110)).used_seconds == 75
    spent = rules.exposure(POLICY, rows, at(3600))  # an hour later: counted at its cap
    assert spent.used_seconds == 125
    assert spent.left_seconds == 475 and not spent.exhausted


def test_own_budget_and_overrides() -> None:
    rows = [ExposureRow("preference", None, None, 100, None), closed(0, 100)]
    assert rules.exposure(POLICY, rows, at(200)).exhausted
    granted = [*rows, ExposureRow("override", None, None, 300, None)]
    spent = rules.exposure(POLICY, granted, at(200))
    assert (spent.budget_seconds, spent.override_seconds, spent.left_seconds) == (400, 300, 300)
    # An own budget above the organisation's counts as the organisation's.
    assert rules.own_budget(POLICY, 10_000) == 600


def test_continuous_review_and_the_break() -> None:
    # Reveals every minute for 6 minutes, gaps under the 2-minute break.
    rows = [closed(i * 60, 30) for i in range(6)]
    spent = rules.exposure(POLICY, rows, at(5 * 60 + 40))
    assert spent.continuous_seconds == 340 and spent.break_due
    # After a pause as long as the break gap, continuous review starts again.
    assert rules.exposure(POLICY, rows, at(5 * 60 + 30 + 120)).continuous_seconds == 0
    later = [*rows, closed(10 * 60, 10)]
    assert rules.exposure(POLICY, later, at(10 * 60 + 20)).continuous_seconds == 20


def test_a_reveal_lasts_at_most_what_is_left() -> None:
    assert rules.reveal_limit(POLICY, 1000) == 60
    assert rules.reveal_limit(POLICY, 12.5) == 12.5


@pytest.mark.parametrize(("label", "age", "activity"), [
    ("A1", "prepubescent", "sexual_act"), ("A2", "prepubescent", "lascivious"),
    ("B1", "pubescent", "sexual_act"), ("B2", "pubescent", "lascivious")])
def test_industry_labels_map_onto_facts(label: str, age: str, activity: str) -> None:
    assert rules.review_facts(label, "unknown", "unknown", "real") == (age, activity, "real")
    assert rules.review_facts(label.lower(), age, "unknown", "drawn") == (age, activity, "drawn")


def test_a_label_and_a_fact_that_disagree_are_refused() -> None:
    with pytest.raises(ValueError, match="label A1 says age band prepubescent"):
        rules.review_facts("A1", "adult", "unknown", "real")
    with pytest.raises(ValueError, match="not one of"):
        rules.review_facts("C3", "unknown", "unknown", "real")
    assert rules.review_facts("", "adult", "other", "real") == ("adult", "other", "real")


def test_blur_levels_stay_within_the_organisations_limits() -> None:
    assert rules.blur_level(POLICY, None) == 4
    assert rules.blur_level(POLICY, 1) == 2 and rules.blur_level(POLICY, 6) == 6
    with pytest.raises(ValueError, match="lightest the organisation allows is 2"):
        rules.check_blur_level(POLICY, 1)
    with pytest.raises(ValueError, match="outside 0 to 600"):
        rules.check_budget(POLICY, 601)


def test_every_shortcut_key_is_used_once() -> None:
    keys = [s.key for s in rules.shortcuts()]
    assert len(keys) == len(set(keys)) and "1" in keys and "c" in keys
