"""Time to removal: per provider, per country and per channel, from first notice to the
removal the re-checks saw (p50, p90 and shares removed within 24 h, 72 h and 7 days)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from tipline.takedown import rules, store
from tipline.takedown.models import TakedownUrl
from tipline.takedown.schemas import RemovalFigures, RemovalGroup

Row = tuple[TakedownUrl, str | None]


def _group(key: str, rows: Iterable[Row]) -> RemovalGroup:
    hours: list[float] = []
    open_count = 0
    for url, _provider in rows:
        if url.removed_at is not None and url.noticed_at is not None:
            hours.append(round((url.removed_at - url.noticed_at).total_seconds() / 3600, 3))
        else:
            open_count += 1
    return RemovalGroup(key=key, **rules.removal_summary(hours, open_count))  # type: ignore[arg-type]


def _by(rows: list[Row], key: Callable[[Row], str | None]) -> list[RemovalGroup]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row) or "unknown"].append(row)
    return [_group(name, members) for name, members in sorted(groups.items())]


def removal_figures(session: Session, since: dt.datetime, until: dt.datetime
                    ) -> RemovalFigures:
    rows = store.noticed_between(session, since, until)
    return RemovalFigures(
        since=since, until=until, overall=_group("all", rows),
        by_provider=_by(rows, lambda r: r[1]),
        by_country=_by(rows, lambda r: r[0].country),
        by_channel=_by(rows, lambda r: r[0].notice_channel))
