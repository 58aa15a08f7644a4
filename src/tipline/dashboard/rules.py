"""Pure rules of the dashboard: whether a deadline was met, and days without reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

MET, MISSED, OPEN = "met", "missed", "open"


def deadline_outcome(deadline: dt.datetime, acknowledged_at: dt.datetime | None,
                     now: dt.datetime) -> str:
    """A route's deadline is met when its agency acknowledged the case by then, missed when
    it acknowledged later or not at all before the deadline passed, and open otherwise."""
    if acknowledged_at is not None:
        return MET if acknowledged_at <= deadline else MISSED
    return MISSED if deadline < now else OPEN


def days_of(since: dt.date, until: dt.date) -> list[str]:
    """Every day from `since` to `until` (inclusive) as YYYY-MM-DD."""
    count = (until - since).days + 1
    return [(since + dt.timedelta(days=i)).isoformat() for i in range(max(0, count))]


def per_day(counts: Mapping[str, int], since: dt.date, until: dt.date) -> list[tuple[str, int]]:
    """Counts for every day of the window, zero where nothing happened."""
    return [(day, int(counts.get(day, 0))) for day in days_of(since, until)]


def ranked(counts: Mapping[str, int], top: int = 10) -> list[tuple[str, int]]:
    """The `top` largest counts, then the rest summed as "other"."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    head, tail = ordered[:top], ordered[top:]
    return head + ([("other", sum(n for _k, n in tail))] if tail else [])
