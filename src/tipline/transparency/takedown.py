"""Takedown figures for the report: the report asks a `TakedownSource` for them (by default
`from_takedown`, the takedown domain's time-to-removal figures of the URLs first noticed in
the period) and says "not available" when the source has nothing for the period.

A source has this shape (tests pass their own):

    def source(session, start, end) -> TakedownFigures | None
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.takedown import figures


@dataclass(frozen=True)
class TakedownFigures:
    requests: int  # takedown requests sent in the period
    removed: int  # of which the content was removed
    hours_p50: float | None  # hours from request to removal, median
    hours_p90: float | None


TakedownSource = Callable[[Session, dt.datetime, dt.datetime], TakedownFigures | None]


def from_takedown(session: Session, start: dt.datetime, end: dt.datetime
                  ) -> TakedownFigures | None:
    """The takedown domain's figures for URLs first noticed in [start, end); None when no URL
    was noticed then."""
    found = figures.removal_figures(session, start, end).overall
    if found.noticed == 0:
        return None
    return TakedownFigures(found.noticed, found.removed, found.p50_hours, found.p90_hours)
