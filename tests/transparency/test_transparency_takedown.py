"""The transparency report's takedown times come from the takedown domain: URLs first noticed
in the period, how many were removed and the hours to removal, small counts suppressed; a
period without notices says "not available"."""

from __future__ import annotations

import datetime as dt
import hashlib

from tipline.db import utcnow
from tipline.state import AppState
from tipline.takedown.models import TakedownUrl
from tipline.transparency import period, usecases

START = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)


def _noticed(state: AppState, n: int, removed_after_hours: float | None) -> None:
    url = f"https://host.test/{n}"
    with state.db.transaction() as session:
        session.add(TakedownUrl(
            url=url, digest=hashlib.sha256(url.encode()).hexdigest(), host="host.test",
            status="noticed", notes=[], addresses=[], country="NL", notice_channel="email",
            first_seen_at=START, noticed_at=START, down_streak=0, level=0,
            removed_at=None if removed_after_hours is None
            else START + dt.timedelta(hours=removed_after_hours)))


def _takedown_rows(state: AppState, first: str, last: str) -> dict[str, object]:
    built = usecases.build_report(state.db, None, period.parse(first, last, utcnow().date()))
    metric = next(m for m in built.metrics if m.id == "takedown")
    return dict(metric.rows)


def test_takedown_times_come_from_the_takedown_domain(state: AppState) -> None:
    for n in range(12):
        _noticed(state, n, 2 + n if n < 10 else None)  # ten removed, two still up
    rows = _takedown_rows(state, "2026-09-01", "2026-09-30")
    assert rows["requests"] == 12 and rows["removed"] == 10
    assert rows["p50"] is not None and rows["p90"] is not None
    assert _takedown_rows(state, "2026-10-01", "2026-10-31") == {"": "not available"}


def test_few_takedowns_are_suppressed(state: AppState) -> None:
    for n in range(3):
        _noticed(state, n, 5)
    rows = _takedown_rows(state, "2026-09-01", "2026-09-30")
    assert rows["requests"] == "<10" and rows["removed"] == "<10"
