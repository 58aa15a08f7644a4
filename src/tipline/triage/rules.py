"""Triage as pure logic: a policy (parsed and validated from TOML text) scores a case's
features into a level, a score and the reasons behind them. No I/O."""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from dataclasses import dataclass, field
from typing import Any

VALUE_FEATURES = ("report_annotation", "file_annotation", "incident_type", "age_band")
COUNT_FEATURES = ("new_material", "baseline_files", "victims", "accounts", "repeat_accounts",
                  "reports", "reporter_actionable_percent")
FLAG_FEATURES = ("escalation", "victim_in_contact", "deadline_passed")
FEATURES = (*FLAG_FEATURES, *VALUE_FEATURES, *COUNT_FEATURES, "deadline_within_hours")
PLACEHOLDERS = {"count", "value", "hours"}


class PolicyError(ValueError):
    """The policy file is invalid; the message names the place."""


@dataclass(frozen=True)
class Level:
    """A priority level. Its `label` names what the level means; when `label_requires` names
    signals, the label is shown only if a rule giving one of them fired, else `neutral_label`
    (a case made urgent by volume and deadlines is not said to hold a child in danger)."""

    name: str
    label: str
    min_score: int
    label_requires: tuple[str, ...] = ()
    neutral_label: str = ""

    def label_for(self, signals: set[str]) -> str:
        if not self.label_requires or signals & set(self.label_requires):
            return self.label
        return self.neutral_label


@dataclass(frozen=True)
class Rule:
    feature: str
    points: int
    reason: str
    value: str | int | None = None
    at_least: int = 1
    min_level: str | None = None
    group: str | None = None
    signals: tuple[str, ...] = ()  # what the rule's firing shows (e.g. "danger")


@dataclass(frozen=True)
class Policy:
    name: str
    version: int
    levels: tuple[Level, ...]
    rules: tuple[Rule, ...]

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    def rank(self, level: str) -> int:
        return [lv.name for lv in self.levels].index(level)


@dataclass(frozen=True)
class CaseFeatures:
    reports: int = 1
    escalation: bool = False
    victim_in_contact: bool = False  # a victim described in a contact or enticement incident
    report_annotations: frozenset[str] = frozenset()
    file_annotations: frozenset[str] = frozenset()
    incident_types: frozenset[str] = frozenset()
    new_material: int = 0  # media clusters of the case that no bank knows
    youngest_age_band: str = "unknown"
    baseline_files: int = 0
    victims: int = 0
    accounts: int = 0
    repeat_accounts: int = 0  # reported accounts seen in more than one report
    # The best share (0-100) of a case's reporters' reports that agencies found actionable,
    # among reporters with enough decided outcomes (`features.MIN_DECIDED`); 0 otherwise.
    reporter_actionable_percent: int = 0
    deadline: dt.datetime | None = None  # the case's deadline, as routing set it
    deadline_assumed: bool = False  # from the default retention window, not the country's law
    deadline_note: str = ""  # where the deadline comes from (country, route), for the reason
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Priority:
    level: str
    score: int
    reasons: list[dict[str, Any]]
    policy: str
    label: str = ""  # the level's label, justified by the reasons (see `Level.label_for`)


# --- parsing -------------------------------------------------------------------------------

def _require(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise PolicyError(f"{where}: `{key}` is missing")
    value = table[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise PolicyError(f"{where}: `{key}` must be a whole number, not {value!r}")
    if not isinstance(value, kind):
        raise PolicyError(f"{where}: `{key}` must be a {kind.__name__}, not {value!r}")
    return value


def _levels(raw: Any, where: str) -> tuple[Level, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError(f"{where}: `levels` must be a non-empty list of [[levels]] tables")
    levels = tuple(_level(t, f"{where} levels[{i}]") for i, t in enumerate(raw))
    scores = [lv.min_score for lv in levels]
    if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
        raise PolicyError(f"{where}: levels must be listed most urgent first, with strictly "
                          f"falling min_score (got {scores})")
    if scores[-1] > 0:
        raise PolicyError(f"{where}: the last level must have min_score 0 so every case gets one")
    if len({lv.name for lv in levels}) != len(levels):
        raise PolicyError(f"{where}: level names must be unique")
    return levels


def _names(raw: Any, key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PolicyError(f"{where}: `{key}` must be a list of names, not {value!r}")
    return tuple(value)


def _level(raw: Any, where: str) -> Level:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: must be a [[levels]] table")
    requires = _names(raw, "label_requires", where)
    neutral = str(raw.get("neutral_label", ""))
    if requires and not neutral:
        raise PolicyError(f"{where}: a level whose label requires signals needs a "
                          "`neutral_label` to show when none of them fired")
    return Level(_require(raw, "name", str, where), str(raw.get("label", "")),
                 _require(raw, "min_score", int, where), requires, neutral)


def _check_signals(levels: tuple[Level, ...], rules: tuple[Rule, ...], where: str) -> None:
    given = {s for rule in rules for s in rule.signals}
    for level in levels:
        missing = set(level.label_requires) - given
        if missing:
            raise PolicyError(f"{where}: level {level.name} requires signal(s) "
                              f"{', '.join(sorted(missing))} that no rule gives")


def _rule(raw: Any, index: int, levels: tuple[Level, ...], where: str) -> Rule:
    at = f"{where} rules[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{at}: must be a [[rules]] table")
    unknown = set(raw) - {"feature", "points", "reason", "value", "at_least", "min_level",
                          "group", "signals"}
    if unknown:
        raise PolicyError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")
    feature = _require(raw, "feature", str, at)
    if feature not in FEATURES:
        raise PolicyError(f"{at}: unknown feature {feature!r}; known: {', '.join(FEATURES)}")
    if feature in VALUE_FEATURES:
        _require(raw, "value", str, at)
    if feature == "deadline_within_hours":
        _require(raw, "value", int, at)
    if "at_least" in raw:
        _require(raw, "at_least", int, at)
    min_level = raw.get("min_level")
    if min_level is not None and min_level not in {lv.name for lv in levels}:
        raise PolicyError(f"{at}: min_level {min_level!r} is not a level")
    reason = _require(raw, "reason", str, at)
    used = {name for _, name, _, _ in string.Formatter().parse(reason) if name}
    if used - PLACEHOLDERS:
        raise PolicyError(f"{at}: reason uses unknown placeholder(s) "
                          f"{', '.join(sorted(used - PLACEHOLDERS))}; use count, value, hours")
    return Rule(feature, _require(raw, "points", int, at), reason, raw.get("value"),
                raw.get("at_least", 1), min_level, raw.get("group"), _names(raw, "signals", at))


def parse_policy(text: str, where: str = "policy") -> Policy:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{where}: not valid TOML: {exc}") from exc
    levels = _levels(raw.get("levels"), where)
    rules = raw.get("rules")
    if not isinstance(rules, list) or not rules:
        raise PolicyError(f"{where}: `rules` must be a non-empty list of [[rules]] tables")
    # A `[deadline]` table (the retention fallback of the days when triage computed deadlines)
    # is ignored, so older policy files still load: routing owns deadlines now.
    parsed = tuple(_rule(r, i, levels, where) for i, r in enumerate(rules))
    _check_signals(levels, parsed, where)
    return Policy(
        name=_require(raw, "name", str, where), version=_require(raw, "version", int, where),
        levels=levels, rules=parsed)


# --- scoring -------------------------------------------------------------------------------

def _holds(rule: Rule, f: CaseFeatures) -> dict[str, Any] | None:
    """The placeholders for the rule's reason when it holds, else None."""
    if rule.feature in ("escalation", "victim_in_contact"):
        return {} if getattr(f, rule.feature) else None
    sets = {"report_annotation": f.report_annotations, "file_annotation": f.file_annotations,
            "incident_type": f.incident_types}
    if rule.feature in sets:
        return {"value": rule.value} if rule.value in sets[rule.feature] else None
    if rule.feature == "age_band":
        return {"value": rule.value} if f.youngest_age_band == rule.value else None
    if rule.feature in COUNT_FEATURES:
        count = int(getattr(f, rule.feature))
        return {"count": count} if count >= rule.at_least else None
    if f.deadline is None:
        return None
    left = f.deadline - f.now
    if rule.feature == "deadline_passed":
        return {} if left.total_seconds() < 0 else None
    hours = int(left.total_seconds() // 3600)
    assert isinstance(rule.value, int)
    return {"hours": hours, "value": rule.value} if 0 <= hours < rule.value else None


def _reason(rule: Rule, detail: dict[str, Any], f: CaseFeatures) -> dict[str, Any]:
    text = rule.reason.format(**{"count": "", "value": "", "hours": "", **detail})
    if rule.feature.startswith("deadline") and f.deadline_note:
        text += f" ({f.deadline_note})"
    elif rule.feature.startswith("deadline") and f.deadline_assumed:
        text += " (assumed: the country's retention window is unknown)"
    entry: dict[str, Any] = {"feature": rule.feature, "points": rule.points, "reason": text}
    if rule.min_level:
        entry["min_level"] = rule.min_level
    if rule.signals:
        entry["signals"] = list(rule.signals)
    return entry


def score(policy: Policy, features: CaseFeatures) -> Priority:
    matched = [(rule, detail) for rule in policy.rules
               if (detail := _holds(rule, features)) is not None]
    best: dict[str, int] = {}  # group -> index of the rule with the most points
    for i, (rule, _) in enumerate(matched):
        if rule.group and (rule.group not in best
                           or rule.points > matched[best[rule.group]][0].points):
            best[rule.group] = i
    kept = [(r, d) for i, (r, d) in enumerate(matched) if not r.group or best[r.group] == i]
    total = sum(rule.points for rule, _ in kept)
    level = next(lv.name for lv in policy.levels if total >= lv.min_score)
    floors = [rule.min_level for rule, _ in kept if rule.min_level]
    for floor in floors:
        if policy.rank(floor) < policy.rank(level):
            level = floor
    reasons = [_reason(rule, detail, features) for rule, detail in kept]
    reasons.sort(key=lambda r: -int(r["points"]))
    signals = {s for rule, _ in kept for s in rule.signals}
    label = next(lv for lv in policy.levels if lv.name == level).label_for(signals)
    return Priority(level, total, reasons, policy.label, label)
