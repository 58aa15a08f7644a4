"""Figures from facts: pure functions, no I/O. The scorecards (one per reporter organisation,
comparable across them) and the metrics of the transparency report."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tipline.outcomes import rules as vocabulary
from tipline.transparency.facts import Facts, ReportFact

MET, MISSED, OPEN = "met", "missed", "open"


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def hours(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 3600


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def deadline_outcome(deadline: dt.datetime, ack: dt.datetime | None, as_of: dt.datetime
                     ) -> str:
    """Met when the agency acknowledged by the deadline; missed when later, or not at all
    once the deadline passed; open otherwise (the dashboard's rule)."""
    if ack is not None:
        return MET if ack <= deadline else MISSED
    return MISSED if deadline < as_of else OPEN


def decided(fact: ReportFact) -> bool | None:
    """Whether the report's shared outcomes say it was actionable (any actionable outcome
    wins), could not be acted on, or neither yet (None)."""
    flags = [vocabulary.actionable(code) for code, _ in fact.outcomes]
    if True in flags:
        return True
    if False in flags:
        return False
    return None


@dataclass(frozen=True)
class Scorecard:
    reporter: str
    kind: str
    reports: int
    by_incident_type: list[tuple[str, int]]
    quality_mean: float | None
    quality_by_month: list[tuple[str, float]]
    common_issues: list[tuple[str, int]]
    folded_into_cases_pct: float | None
    folded_into_clusters_pct: float | None
    known_material_pct: float | None
    incident_to_report_hours_p50: float | None
    decided: int
    actionable_pct: float | None
    not_actionable_reasons: list[tuple[str, int]]
    time_to_desk_hours_p50: float | None


def scorecards(facts: Facts) -> list[Scorecard]:
    by_reporter: dict[str, list[ReportFact]] = {}
    for fact in facts.reports:
        by_reporter.setdefault(fact.reporter, []).append(fact)
    return [scorecard(name, rows) for name, rows in sorted(by_reporter.items())]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def scorecard(name: str, rows: list[ReportFact]) -> Scorecard:
    months: dict[str, list[int]] = {}
    for r in rows:
        if r.quality_score is not None:
            months.setdefault(r.finished_at.strftime("%Y-%m"), []).append(r.quality_score)
    scores = [s for values in months.values() for s in values]
    outcomes = [d for r in rows if (d := decided(r)) is not None]
    reasons = Counter(reason for r in rows if decided(r) is False  # once per report
                      for reason in {x for _, x in r.outcomes if x})
    media = sum(r.media_files for r in rows)
    return Scorecard(
        reporter=name, kind=rows[0].reporter_kind, reports=len(rows),
        by_incident_type=ranked(Counter(r.incident_type for r in rows)),
        quality_mean=_round(sum(scores) / len(scores)) if scores else None,
        quality_by_month=[(m, round(sum(v) / len(v), 1)) for m, v in sorted(months.items())],
        common_issues=ranked(Counter(c for r in rows for c in r.quality_issues))[:5],
        folded_into_cases_pct=share(sum(1 for r in rows if r.case_reports > 1), len(rows)),
        folded_into_clusters_pct=share(sum(1 for r in rows if r.in_shared_cluster), len(rows)),
        known_material_pct=share(sum(r.known_files for r in rows), media),
        incident_to_report_hours_p50=_round(percentile(_present(
            hours(r.incident_at, r.finished_at) for r in rows), 50)),
        decided=len(outcomes), actionable_pct=share(sum(outcomes), len(outcomes)),
        not_actionable_reasons=ranked(reasons),
        time_to_desk_hours_p50=_round(percentile(_present(
            hours(r.finished_at, r.first_ack) for r in rows), 50)),
    )


def _present(values: Iterable[float | None]) -> list[float]:
    return [v for v in values if v is not None]
