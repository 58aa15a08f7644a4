"""A reporting period: whole UTC days, `from` and `to` both included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tipline.errors import Invalid

MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), dt.UTC)


def parse(first: str | None, last: str | None, today: dt.date, default_days: int = 90
          ) -> Period:
    """`from` and `to` as YYYY-MM-DD; a missing `to` is today, a missing `from` is
    `default_days` before `to`."""
    try:
        end = dt.date.fromisoformat(last) if last else today
        start = dt.date.fromisoformat(first) if first else end - dt.timedelta(
            days=default_days - 1)
    except ValueError as exc:
        raise Invalid(f"a period is two days as YYYY-MM-DD: {exc}") from exc
    if start > end:
        raise Invalid(f"the period starts ({start}) after it ends ({end})")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(f"a period is at most {MAX_DAYS} days")
    return Period(start, end)
