"""Reviewer wellness and review labels as pure functions: blur levels, the exposure budget's
arithmetic, continuous review and breaks, industry labels as facts, keyboard shortcuts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from tipline.classification.rules import ACTIVITIES, AGE_BANDS, NATURES, SCHEME_FACTS
from tipline.settings import Settings

MAX_BLUR_LEVEL = 6
# Industry labels (Tech Coalition): A = prepubescent, B = pubescent; 1 = sex act,
# 2 = lascivious exhibition. They say nothing about the material's nature.
INDUSTRY_LABELS: dict[str, tuple[str, str]] = {
    label: (age, activity) for label, (age, activity, _nature)
    in SCHEME_FACTS["industry"].items()}


@dataclass(frozen=True)
class WellnessPolicy:
    """The organisation's wellness settings."""

    blur_level: int
    min_blur_level: int
    reveal_cap_seconds: float
    budget_seconds: int
    break_minutes: float
    break_gap_minutes: float

    @classmethod
    def from_settings(cls, settings: Settings) -> WellnessPolicy:
        return cls(max(settings.review_blur_level, settings.review_min_blur_level),
                   settings.review_min_blur_level, settings.reveal_cap_seconds,
                   settings.exposure_budget_seconds, settings.exposure_break_minutes,
                   settings.exposure_break_gap_minutes)


# --- a reviewer's own settings, within the organisation's limits ----------------------------

def check_blur_level(policy: WellnessPolicy, level: int) -> int:
    if not policy.min_blur_level <= level <= MAX_BLUR_LEVEL:
        raise ValueError(f"blur level {level} is outside {policy.min_blur_level} to "
                         f"{MAX_BLUR_LEVEL} (the lightest the organisation allows is "
                         f"{policy.min_blur_level})")
    return level


def check_budget(policy: WellnessPolicy, seconds: int) -> int:
    if not 0 <= seconds <= policy.budget_seconds:
        raise ValueError(f"a daily budget of {seconds} s is outside 0 to "
                         f"{policy.budget_seconds} s (the organisation's budget)")
    return seconds


def blur_level(policy: WellnessPolicy, chosen: int | None) -> int:
    """The reviewer's level when chosen and still allowed, else the organisation's."""
    if chosen is None:
        return policy.blur_level
    return min(max(chosen, policy.min_blur_level), MAX_BLUR_LEVEL)


def own_budget(policy: WellnessPolicy, chosen: int | None) -> int:
    """The reviewer's daily budget: their own, never above the organisation's."""
    return policy.budget_seconds if chosen is None else min(chosen, policy.budget_seconds)


# --- the exposure budget ---------------------------------------------------------------------

@dataclass(frozen=True)
class ExposureRow:
    """One row of the budget query: a reveal (`at` opened, `ended_at` closed or None,
    `seconds` its duration once closed, `limit` its cap), an override (`seconds` granted)
    or the reviewer's preference (`seconds` their own budget, or None)."""

    kind: str  # reveal | override | preference
    at: dt.datetime | None
    ended_at: dt.datetime | None
    seconds: float | None
    limit: float | None


@dataclass(frozen=True)
class Exposure:
    budget_seconds: int  # own budget plus today's overrides
    override_seconds: int
    used_seconds: float
    continuous_seconds: float  # revealing without a break, up to now
    break_due: bool

    @property
    def left_seconds(self) -> float:
        return max(0.0, self.budget_seconds - self.used_seconds)

    @property
    def exhausted(self) -> bool:
        return self.left_seconds <= 0


def revealed_seconds(row: ExposureRow, now: dt.datetime) -> float:
    """A closed reveal's duration; an open one's so far, never past its limit (a reveal never
    closed counts as closed at its cap)."""
    if row.seconds is not None:
        return row.seconds
    assert row.at is not None
    return max(0.0, min((now - row.at).total_seconds(), row.limit or 0.0))


def continuous_seconds(reveals: Iterable[ExposureRow], now: dt.datetime,
                       gap_seconds: float) -> float:
    """How long the reviewer has been revealing without a break (a pause of `gap_seconds`
    between the end of one reveal and the next, or since the last one, is a break)."""
    start: dt.datetime | None = None
    last_end: dt.datetime | None = None
    for row in sorted(reveals, key=lambda r: r.at or now):
        assert row.at is not None
        end = row.at + dt.timedelta(seconds=revealed_seconds(row, now))
        if last_end is None or (row.at - last_end).total_seconds() >= gap_seconds:
            start = row.at
        last_end = end if last_end is None else max(last_end, end)
    if start is None or last_end is None or (now - last_end).total_seconds() >= gap_seconds:
        return 0.0
    return (now - start).total_seconds()


def exposure(policy: WellnessPolicy, rows: Iterable[ExposureRow],
             now: dt.datetime) -> Exposure:
    """A reviewer's exposure today, from the rows of the budget query."""
    rows = list(rows)
    preference = next((r.seconds for r in rows if r.kind == "preference"), None)
    overrides = int(sum(r.seconds or 0 for r in rows if r.kind == "override"))
    reveals = [r for r in rows if r.kind == "reveal"]
    used = sum(revealed_seconds(r, now) for r in reveals)
    continuous = continuous_seconds(reveals, now, policy.break_gap_minutes * 60)
    own = own_budget(policy, None if preference is None else int(preference))
    return Exposure(own + overrides, overrides, round(used, 1), continuous,
                    continuous >= policy.break_minutes * 60)


def reveal_limit(policy: WellnessPolicy, left_seconds: float) -> float:
    """How long a new reveal may last: the cap, or what is left of the budget if less."""
    return round(min(policy.reveal_cap_seconds, left_seconds), 1)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def duration_text(seconds: float) -> str:
    """"12 min 5 s", "40 s"."""
    whole = int(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def exhausted_message(spent: Exposure) -> str:
    return (f"Your exposure budget for today is used up: {duration_text(spent.used_seconds)} "
            f"of {duration_text(spent.budget_seconds)} revealed. Please take a break. Media "
            "stay blurred; a supervisor can grant more time for today if a review cannot wait.")


# --- classification by label or facts -------------------------------------------------------

def review_facts(label: str | None, age_band: str, activity: str,
                 nature: str) -> tuple[str, str, str]:
    """The facts a review records: an industry label sets the age band and activity (a fact
    also given must agree with it); the nature is given separately."""
    label = (label or "").strip().upper()
    if label:
        if label not in INDUSTRY_LABELS:
            raise ValueError(f"label {label!r} is not one of {', '.join(INDUSTRY_LABELS)}")
        said_age, said_activity = INDUSTRY_LABELS[label]
        for name, given, said in (("age band", age_band, said_age),
                                  ("activity", activity, said_activity)):
            if given not in ("unknown", said):
                raise ValueError(f"label {label} says {name} {said}, but {given} was chosen")
        age_band, activity = said_age, said_activity
    return age_band, activity, nature


@dataclass(frozen=True)
class Shortcut:
    key: str
    does: str


# Single keys on the review page (tipline.js reads `data-key` on the controls).
CHOICE_KEYS: dict[str, dict[str, str]] = {
    "age_band": {"infant": "i", "prepubescent": "p", "pubescent": "t", "adult": "d"},
    "activity": {"sexual_act": "s", "lascivious": "l", "other": "o"},
    "nature": {"real": "r", "drawn": "w", "generated": "g"},
}
LABEL_KEYS = {"A1": "1", "A2": "2", "B1": "3", "B2": "4"}
ACTION_KEYS = {"save": "c", "reveal": "v", "reblur": "b", "next_file": "j",
               "previous_file": "k", "next_cluster": "n"}
CHOICES = {"age_band": AGE_BANDS, "activity": ACTIVITIES, "nature": NATURES}


def shortcuts() -> list[Shortcut]:
    """Every shortcut, as the page announces them."""
    found = [Shortcut(key, f"industry label {label}") for label, key in LABEL_KEYS.items()]
    for dimension, keys in CHOICE_KEYS.items():
        found += [Shortcut(key, f"{dimension.replace('_', ' ')}: {value.replace('_', ' ')}")
                  for value, key in keys.items()]
    found += [Shortcut(key, action.replace("_", " ")) for action, key in ACTION_KEYS.items()]
    return found
