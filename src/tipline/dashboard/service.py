"""The dashboard's figures, assembled from the store's counts and the delivery domain's
time to desk. Never writes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.dashboard import rules, store
from tipline.delivery.service import DeskTime, time_to_desk


@dataclass(frozen=True)
class Figures:
    days: int
    since: dt.datetime
    per_day: list[tuple[str, int]]
    by_type: list[tuple[str, int]]
    by_reporter: list[tuple[str, int]]
    by_country: list[tuple[str, int]]  # cases routed to each country
    reports: int
    cases: int
    desk: list[DeskTime]
    deadlines: dict[str, int]  # met, missed, open

    @property
    def reports_per_case(self) -> float:
        return self.reports / self.cases if self.cases else 0.0


def figures(session: Session, days: int, now: dt.datetime) -> Figures:
    since = now - dt.timedelta(days=days)
    reports, cases = store.folded(session, since)
    outcomes = Counter(rules.deadline_outcome(deadline, ack, now)
                       for deadline, ack in store.deadlines(session, since))
    return Figures(
        days=days, since=since,
        per_day=rules.per_day(store.reports_per_day(session, since), since.date(), now.date()),
        by_type=rules.ranked(store.reports_by_type(session, since)),
        by_reporter=rules.ranked(store.reports_by_reporter(session, since)),
        by_country=rules.ranked(_cases_by_country(session, since)),
        reports=reports, cases=cases, desk=time_to_desk(session, since),
        deadlines={k: outcomes.get(k, 0) for k in (rules.MET, rules.MISSED, rules.OPEN)})


def _cases_by_country(session: Session, since: dt.datetime) -> dict[str, int]:
    """Cases per country a route placed them in (a case in two countries counts in both)."""
    seen: dict[str, set[int]] = {}
    for case_id, reasons in store.route_countries(session, since):
        for reason in reasons:
            country = reason.get("country") if isinstance(reason, dict) else None
            if country:
                seen.setdefault(str(country), set()).add(case_id)
    return {country: len(cases) for country, cases in seen.items()}
