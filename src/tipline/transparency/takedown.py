"""The seam for takedown figures: the takedown domain is built apart from this one, so the
report asks a `TakedownSource` for them and says "not available" while none is plugged in.

To plug one in, the entry points (`tipline report transparency`, the `/transparency` page)
pass a callable of this shape, e.g. `takedown.usecases.removal_figures`:

    def removal_figures(session, start, end) -> TakedownFigures | None

returning None when it has nothing for the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class TakedownFigures:
    requests: int  # takedown requests sent in the period
    removed: int  # of which the content was removed
    hours_p50: float | None  # hours from request to removal, median
    hours_p90: float | None


TakedownSource = Callable[[Session, dt.datetime, dt.datetime], TakedownFigures | None]


def not_available(_session: Session, _start: dt.datetime, _end: dt.datetime) -> None:
    """No takedown data yet: the report says "not available"."""
    return None
