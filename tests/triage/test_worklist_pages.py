"""The worklist's pages: keyset pages add up to the whole ordered list, whatever the page
size; counts per level ignore the level filter; a damaged cursor is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from staff_support import add_user
from tipline.cases.models import Case
from tipline.db import utcnow
from tipline.errors import Invalid
from tipline.state import AppState
from tipline.triage.usecases import worklist_page
from tipline.triage.worklist import WorklistFilter
from tipline.users.service import StaffUser
from tipline.users.store import by_username

SPECS = [("P1", 5, 90), ("P1", None, 80), ("P2", 3, 70), ("P2", 3, 70), (None, None, None),
         ("P3", 100, 10), ("P1", 5, 95), ("P4", None, 1), (None, 2, None)]


def _cases(state: AppState) -> list[int]:
    now = utcnow()
    with state.db.transaction() as session:
        rows = [Case(status="open", summary={}, priority_level=level, priority_score=score,
                     deadline=now + dt.timedelta(hours=hours) if hours else None)
                for level, hours, score in SPECS]
        session.add_all(rows)
        session.flush()
        return [c.id for c in rows]


def _analyst(state: AppState) -> StaffUser:
    add_user(state, "ana")
    with state.db.sessions() as session:
        user = by_username(session, "ana")
        assert user is not None
        return StaffUser(user.id, user.username, user.role, user.organisation, user.jurisdiction)


def _all_pages(state: AppState, user: StaffUser, size: int,
               filters: WorklistFilter) -> list[int]:
    seen, after = [], None
    while True:
        page = worklist_page(state.db, user, filters, after, size)
        seen += [row.case.id for row in page.rows]
        if page.next_cursor is None:
            return seen
        after = page.next_cursor


def test_keyset_pages_add_up_to_the_ordered_list(state: AppState) -> None:
    ids = _cases(state)
    user = _analyst(state)
    whole = _all_pages(state, user, 100, WorklistFilter())
    assert sorted(whole) == sorted(ids)
    levels = [SPECS[ids.index(i)][0] or "P9" for i in whole]
    assert levels == sorted(levels)  # most urgent level first, not triaged last
    assert whole[:3] == [ids[6], ids[0], ids[1]]  # P1: nearest deadline, score, no deadline
    for size in (1, 2, 4):
        assert _all_pages(state, user, size, WorklistFilter()) == whole
    page = worklist_page(state.db, user, WorklistFilter(level="P2"), None, 100)
    assert [r.case.id for r in page.rows] == [ids[2], ids[3]]
    assert page.counts == {"P1": 3, "P2": 2, "P3": 1, "P4": 1, "P9": 2}
    soon = worklist_page(state.db, user, WorklistFilter(within_hours=4), None, 100)
    assert {r.case.id for r in soon.rows} == {ids[2], ids[3], ids[8]}


def test_a_damaged_cursor_is_refused(state: AppState) -> None:
    with pytest.raises(Invalid):
        worklist_page(state.db, _analyst(state), WorklistFilter(), "not-a-cursor", 10)
