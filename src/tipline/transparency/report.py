"""The transparency report as data: every metric with its definition, small counts
suppressed, and the SHA-256 of its inputs. Pure: facts in, a `Report` out; the same facts
give the same report, byte for byte in every format (`render.py`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tipline.outcomes import rules as vocabulary
from tipline.transparency import figures
from tipline.transparency.facts import Facts
from tipline.transparency.takedown import TakedownFigures

FORMAT = "tipline.transparency/1"
SUPPRESS_BELOW = 10
SUPPRESSED = "<10"
NOT_AVAILABLE = "not available"
Value = int | float | str | None


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    definition: str
    rows: list[tuple[str, Value]]  # (label, value); one row "" for a single figure
    chart: bool = False


@dataclass(frozen=True)
class Report:
    start: str
    end: str
    as_of: str
    inputs_sha256: str
    metrics: list[Metric]


def suppress(count: int) -> int | str:
    """Counts from 1 to 9 are shown as "<10", so no small group can be singled out."""
    return SUPPRESSED if 0 < count < SUPPRESS_BELOW else count


def _table(counts: Counter[str]) -> list[tuple[str, Value]]:
    return [(label, suppress(n)) for label, n in figures.ranked(counts)]


def _sample(value: float | None, samples: int) -> Value:
    if samples < SUPPRESS_BELOW:
        return SUPPRESSED if samples else None
    return None if value is None else round(value, 1)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def inputs_digest(facts: Facts) -> str:
    """SHA-256 of the facts the report is computed from: one JSON line for the period, then
    one per report and one per route, in their fixed order (field order as declared)."""
    digest = hashlib.sha256()

    def line(values: list[Any]) -> None:
        digest.update(json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode())
        digest.update(b"\n")

    line([_iso(facts.start), _iso(facts.end), _iso(facts.as_of), facts.clusters])
    for r in facts.reports:
        line([r.report_id, r.reporter, r.reporter_kind, r.incident_type, _iso(r.incident_at),
              _iso(r.finished_at), r.quality_score, r.quality_issues, r.case_id,
              r.case_reports, r.in_shared_cluster, r.files, r.media_files, r.known_files,
              _iso(r.first_ack), [list(o) for o in r.outcomes]])
    for route in facts.routes:
        line([route.case_id, list(route.countries), route.channel, _iso(route.deadline),
              _iso(route.first_ack)])
    return digest.hexdigest()


def build(facts: Facts, takedown: TakedownFigures | None) -> Report:
    metrics = [*_volumes(facts), *_material(facts), *_routing(facts), *_speed(facts),
               _takedown(takedown), *_outcomes(facts)]
    return Report(facts.start.isoformat(), facts.end.isoformat(), facts.as_of.isoformat(),
                  inputs_digest(facts), metrics)


def _volumes(facts: Facts) -> list[Metric]:
    reports = facts.reports
    return [
        Metric("reports", "Reports", "Reports finished in the period (received completely, "
               "not retracted).", [("", suppress(len(reports)))]),
        Metric("reports_by_reporter_type", "Reports by reporter type", "Reports by the kind "
               "of organisation that sent them.", _table(Counter(
                   r.reporter_kind for r in reports)), chart=True),
        Metric("reports_by_reporter", "Reports by reporter", "Reports by the organisation "
               "that sent them.", _table(Counter(r.reporter for r in reports)), chart=True),
        Metric("reports_by_incident_type", "Reports by incident type", "Reports by the "
               "incident type the reporter chose (CyberTipline schema).",
               _table(Counter(r.incident_type for r in reports)), chart=True),
        Metric("files", "Files", "Files received with these reports, and how many of them "
               "are images or videos.", [
                   ("all files", suppress(sum(r.files for r in reports))),
                   ("images and videos", suppress(sum(r.media_files for r in reports)))]),
    ]


FOLDS = ("1 report", "2 to 4 reports", "5 to 9 reports", "10 or more reports")


def _folded(size: int) -> str:
    return FOLDS[3] if size >= 10 else FOLDS[2] if size >= 5 else FOLDS[1] if size >= 2 \
        else FOLDS[0]


def _material(facts: Facts) -> list[Metric]:
    cases: dict[int, int] = {r.case_id: r.case_reports for r in facts.reports
                             if r.case_id is not None}
    folds = Counter(_folded(size) for size in cases.values())
    known = sum(r.known_files for r in facts.reports)
    media = sum(r.media_files for r in facts.reports)
    return [
        Metric("cases", "Cases", "Distinct cases holding these reports now (reports about "
               "the same people or material are folded into one case).",
               [("", suppress(len(cases)))]),
        Metric("clusters", "Media clusters", "Distinct clusters of the same or near-same "
               "media holding a file of these reports.", [("", suppress(facts.clusters))]),
        Metric("reports_per_case", "Cases by the reports they fold", "Those cases by how "
               "many reports each holds in all (of any period).",
               [(label, suppress(folds.get(label, 0))) for label in FOLDS], chart=True),
        Metric("known_material", "Known and new material", "Images and videos that matched "
               "an entry of a hash list (known) and those that matched none (new).",
               [("known", suppress(known)), ("new", suppress(media - known))], chart=True),
    ]


def _routing(facts: Facts) -> list[Metric]:
    by_country = Counter(c for route in facts.routes for c in route.countries)
    by_channel = Counter(route.channel for route in facts.routes)
    outcomes = Counter(figures.deadline_outcome(r.deadline, r.first_ack, facts.as_of)
                       for r in facts.routes if r.deadline is not None)
    return [
        Metric("routes_by_country", "Routes by country", "Active routes of these cases to "
               "agencies, by the country they were routed for (a route may name several).",
               _table(by_country), chart=True),
        Metric("routes_by_channel", "Routes by channel", "Active routes by their first "
               "channel (direct to the agency, or through an intermediary).",
               _table(by_channel), chart=True),
        Metric("deadlines", "Deadlines met and missed", "Active routes with a deadline (the "
               "end of the IP data retention of the country): met when the agency "
               "acknowledged the case by then, missed when later or not at all once it "
               "passed, open otherwise; judged as of the report's as-of time.",
               [(k, suppress(outcomes.get(k, 0))) for k in (figures.MET, figures.MISSED,
                                                            figures.OPEN)], chart=True),
    ]


def _speed(facts: Facts) -> list[Metric]:
    desk = [h for r in facts.reports if (h := figures.hours(r.finished_at, r.first_ack))
            is not None]
    lag = [h for r in facts.reports if (h := figures.hours(r.incident_at, r.finished_at))
           is not None]
    return [
        Metric("time_to_desk_hours", "Time to desk (hours)", "Hours from a report's finish "
               "to the first acknowledgement of its case by an agency; nearest-rank "
               "percentiles; suppressed with fewer than 10 reports acknowledged.",
               [(f"p{q}", _sample(figures.percentile(desk, q), len(desk)))
                for q in (50, 90, 95)] + [("reports acknowledged", suppress(len(desk)))]),
        Metric("incident_to_report_hours", "Incident to report (hours)", "Hours from the "
               "incident time the reporter gave to the report's finish; median.",
               [("p50", _sample(figures.percentile(lag, 50), len(lag)))]),
    ]


def _takedown(found: TakedownFigures | None) -> Metric:
    definition = ("Takedown requests sent in the period, how many led to removal, and hours "
                  "from request to removal (median, 90th percentile).")
    if found is None:
        return Metric("takedown", "Takedown times", definition + " Not available: tipline "
                      "holds no takedown data for this period.", [("", NOT_AVAILABLE)])
    return Metric("takedown", "Takedown times", definition, [
        ("requests", suppress(found.requests)), ("removed", suppress(found.removed)),
        ("p50", _sample(found.hours_p50, found.removed)),
        ("p90", _sample(found.hours_p90, found.removed))])


def _outcomes(facts: Facts) -> list[Metric]:
    codes = Counter(code for r in facts.reports for code in {c for c, _ in r.outcomes})
    reasons = Counter(reason for r in facts.reports
                      for reason in {x for _, x in r.outcomes if x})
    return [
        Metric("outcomes", "Outcomes", "Reports with at least one outcome of each code that "
               "agencies shared by the as-of time (vocabulary tipline.outcomes/1; an outcome "
               "held confidential is counted from its date).",
               [(vocabulary.CODES[c].label if c in vocabulary.CODES else c, suppress(n))
                for c, n in figures.ranked(codes)], chart=True),
        Metric("not_actionable_reasons", "Why reports were not actionable", "Reports with a "
               "not-actionable outcome, by its reason.",
               [(vocabulary.REASONS.get(k, k), suppress(n))
                for k, n in figures.ranked(reasons)]),
    ]


def as_dict(report: Report) -> dict[str, Any]:
    return {"format": FORMAT, "period": {"from": report.start, "to": report.end},
            "as_of": report.as_of, "inputs_sha256": report.inputs_sha256,
            "suppression": f"counts from 1 to {SUPPRESS_BELOW - 1} are shown as "
                           f"{SUPPRESSED!r}",
            "metrics": [{"id": m.id, "title": m.title, "definition": m.definition,
                         "values": [{"label": label, "value": value}
                                    for label, value in m.rows]} for m in report.metrics]}
