"""Transparency use cases: the scorecards of every reporter organisation (page, API, CSV)
and the transparency report. Read-only; the centre's (`access.check_centre`)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

from tipline import access
from tipline.db import Database, utcnow
from tipline.errors import Invalid
from tipline.transparency import facts, figures, render, report
from tipline.transparency.period import Period
from tipline.transparency.report import Report
from tipline.transparency.takedown import TakedownSource, from_takedown
from tipline.users.service import StaffUser


def scorecards(db: Database, user: StaffUser, period: Period) -> list[figures.Scorecard]:
    """One scorecard per reporter organisation with reports finished in the period."""
    with db.sessions() as session:
        access.check_centre(access.staff_viewer(session, user), "read reporter scorecards")
        return figures.scorecards(facts.gather(session, period.start, period.end, utcnow()))


CSV_COLUMNS = ("reporter", "kind", "reports", "quality_mean", "folded_into_cases_pct",
               "folded_into_clusters_pct", "known_material_pct",
               "incident_to_report_hours_p50", "decided", "actionable_pct",
               "time_to_desk_hours_p50", "top_incident_type", "top_issue",
               "top_not_actionable_reason")


def scorecards_csv(cards: list[figures.Scorecard]) -> str:
    """One row per organisation, the headline figures side by side (comparable)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for card in cards:
        row: dict[str, Any] = asdict(card)
        row["top_incident_type"] = _top(card.by_incident_type)
        row["top_issue"] = _top(card.common_issues)
        row["top_not_actionable_reason"] = _top(card.not_actionable_reasons)
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()


def _top(pairs: list[tuple[str, int]]) -> str:
    return pairs[0][0] if pairs else ""


def build_report(db: Database, user: StaffUser | None, period: Period,
                 takedown: TakedownSource = from_takedown) -> Report:
    """The transparency report of the period (`user` None: the CLI's operator). A period
    that has not ended is reported as of now; an ended one as of its end, so it is the same
    every time it is asked for as long as the data is."""
    with db.sessions() as session:
        if user is not None:
            access.check_centre(access.staff_viewer(session, user),
                                "read the transparency report")
        found = facts.gather(session, period.start, period.end, utcnow(), quality=False)
        return report.build(found, takedown(session, period.start, period.end))


def render_report(db: Database, user: StaffUser | None, period: Period, fmt: str,
                  takedown: TakedownSource = from_takedown) -> bytes:
    if fmt not in render.FORMATS:
        raise Invalid(f"unknown format {fmt!r}; one of {', '.join(render.FORMATS)}")
    return render.render(build_report(db, user, period, takedown), fmt)


def report_page(db: Database, user: StaffUser, period: Period,
                takedown: TakedownSource = from_takedown) -> str:
    """The report's HTML body for the `/transparency` page (the same bytes as the body of
    the HTML document)."""
    return render.html_body(build_report(db, user, period, takedown))
