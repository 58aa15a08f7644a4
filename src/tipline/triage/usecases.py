"""Triage use cases for staff and agency users: the worklist, filtered to what its reader
may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from tipline import access
from tipline.db import Database, utcnow
from tipline.errors import Invalid
from tipline.triage import store
from tipline.triage.worklist import COUNT_CAP, Cursor, WorklistFilter, sort_key
from tipline.users import store as users_store
from tipline.users.service import StaffUser


def worklist(db: Database, user: StaffUser, level: str | None,
             limit: int) -> list[store.WorklistRow]:
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        access.check_worklist(viewer)
        return store.worklist(session, level, limit, access.visible_cases(viewer))


@dataclass(frozen=True)
class WorklistPage:
    rows: list[store.WorklistRow]
    counts: dict[str, int]  # cases per level under the other filters ("P9": not triaged)
    next_cursor: str | None  # where the next page starts; None on the last page
    count_cap: int = COUNT_CAP  # a count above it means "more than count_cap"


def worklist_page(db: Database, user: StaffUser, filters: WorklistFilter,
                  after: str | None, limit: int, with_counts: bool = True) -> WorklistPage:
    """One page of the worklist (keyset: it starts after the cursor `after`) and, unless
    asked not to, the counts per level; an agency user sees only the cases routed to its
    agency."""
    cursor = Cursor.decode(after) if after else None
    now = utcnow()
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        access.check_worklist(viewer)
        only = _narrowed(session, viewer, user, filters, now)
        cases = store.worklist_page(session, filters, only, cursor, limit + 1, now)
        more, cases = len(cases) > limit, cases[:limit]
        reports = store.report_counts(session, [c.id for c in cases])
        counts = (store.level_counts(session, filters, only, now, COUNT_CAP)
                  if with_counts else {})
    last = cases[-1] if cases and more else None
    next_cursor = (sort_key(last.priority_level, last.deadline, last.priority_score,
                            last.id).encode() if last else None)
    return WorklistPage([store.WorklistRow(c, reports.get(c.id, 0)) for c in cases], counts,
                        next_cursor)


def worklist_counts(db: Database, user: StaffUser, filters: WorklistFilter) -> dict[str, int]:
    """Cases per level under every filter but the level, each counted up to `COUNT_CAP` + 1
    (more means "more than COUNT_CAP"); only the cases the user may see."""
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        access.check_worklist(viewer)
        now = utcnow()
        return store.level_counts(session, filters,
                                  _narrowed(session, viewer, user, filters, now), now,
                                  COUNT_CAP)


def _narrowed(session: Session, viewer: access.Viewer, user: StaffUser,
              filters: WorklistFilter, now: dt.datetime) -> ColumnElement[bool]:
    """The cases the viewer may see, narrowed to the holder the filter names ("me", "nobody"
    or a username; an unknown username is refused rather than matching nothing)."""
    only = access.visible_cases(viewer)
    if filters.owner is None:
        return only
    if filters.owner == "nobody":
        return and_(only, store.held_by(None, now))
    if filters.owner == "me":
        return and_(only, store.held_by(user.id, now))
    holder = users_store.by_username(session, filters.owner)
    if holder is None:
        raise Invalid(f"no user named {filters.owner!r}")
    return and_(only, store.held_by(holder.id, now))
