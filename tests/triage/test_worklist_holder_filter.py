"""The worklist's casework filters: who holds a case ("me", "nobody", a username) and its
casework status, applied inside the worklist's query (and its counts)."""

from __future__ import annotations

import pytest

from casework_support import LEASE, actor, add_cases, staff
from tipline.cases import casework_usecases as casework
from tipline.errors import Invalid
from tipline.state import AppState
from tipline.triage import usecases
from tipline.triage.worklist import WorklistFilter


def _ids(state: AppState, user: object, **chosen: str) -> set[int]:
    page = usecases.worklist_page(state.db, user, WorklistFilter(**chosen), None, 50)  # type: ignore[arg-type]
    return {row.case.id for row in page.rows}


def test_the_worklist_filters_by_holder_and_casework_status(state: AppState) -> None:
    mine, bobs, free = add_cases(state, [("P1", 150), ("P2", 70), ("P3", 20)])
    ana, bob, sue = staff(state, "ana"), staff(state, "bob"), staff(state, "sue", "supervisor")
    casework.take_case(state.db, LEASE, ana, actor(ana), mine)
    casework.assign_case(state.db, sue, actor(sue), bobs, bob.id)

    assert _ids(state, ana, owner="me") == {mine}
    assert _ids(state, bob, owner="me") == {bobs}
    assert _ids(state, sue, owner="ana") == {mine}
    assert _ids(state, sue, owner="nobody") == {free}
    assert _ids(state, sue) == {mine, bobs, free}
    # Taking a new case puts it in review; the others are still new.
    assert _ids(state, sue, work_status="in_review") == {mine}
    assert _ids(state, sue, work_status="new") == {bobs, free}
    counts = usecases.worklist_counts(state.db, sue, WorklistFilter(owner="nobody"))
    assert sum(counts.values()) == 1

    casework.release_case(state.db, ana, actor(ana), mine)
    assert _ids(state, ana, owner="me") == set()
    assert _ids(state, sue, owner="nobody") == {mine, free}


def test_unknown_holders_and_statuses_are_refused(state: AppState) -> None:
    sue = staff(state, "sue", "supervisor")
    with pytest.raises(Invalid, match="no user named 'nobody-here'"):
        _ids(state, sue, owner="nobody-here")
    with pytest.raises(Invalid, match="casework status 'lost'"):
        WorklistFilter(work_status="lost")
