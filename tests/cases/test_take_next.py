"""The review queue: `take next` hands out the most urgent case nobody holds, in the
worklist's order and filters, and two analysts taking at once never get the same case
(PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from casework_support import LEASE, actor, add_cases, staff
from tipline.cases import casework_usecases as casework
from tipline.cases import usecases as cases
from tipline.state import AppState
from tipline.users.service import StaffUser


def test_take_next_follows_the_worklist_order_and_filters(state: AppState) -> None:
    low, urgent, high, closed = add_cases(state, [("P4", 0), ("P1", 150), ("P2", 70),
                                                  ("P1", 500)])
    ana, bob, sue = staff(state, "ana"), staff(state, "bob"), staff(state, "sue", "supervisor")
    casework.change_status(state.db, LEASE, sue, actor(sue), closed, "closed",
                        closing_reason="duplicate")
    casework.assign_case(state.db, sue, actor(sue), urgent, bob.id)  # held by bob
    taken = casework.take_next(state.db, LEASE, ana, actor(ana))
    assert taken is not None and taken["case_id"] == high
    level_four = casework.take_next(state.db, LEASE, ana, actor(ana), level="P4")
    assert level_four is not None and level_four["case_id"] == low
    assert casework.take_next(state.db, LEASE, ana, actor(ana)) is None
    assert casework.take_next(state.db, LEASE, ana, actor(ana), statuses=["closed"]) is None


def _drain(state: AppState, user: StaffUser, start: threading.Barrier) -> list[int]:
    start.wait()
    got = []
    while (work := casework.take_next(state.db, LEASE, user, actor(user))) is not None:
        got.append(work["case_id"])
    return got


def test_two_takers_at_once_never_get_the_same_case(state: AppState) -> None:
    ids = add_cases(state, [("P2", 60 + i) for i in range(12)])
    ana, bob = staff(state, "ana"), staff(state, "bob")
    start = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda u: _drain(state, u, start), [ana, bob])
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(ids)
    # each case has exactly one holder, and its history one taker
    for case_id in ids:
        view = cases.view_case(state.db, ana, actor(ana), case_id)
        takers = [e["detail"]["to"] for e in view["history"] if e["kind"] == "taken"]
        assert len(takers) == 1 and view["owner"] == takers[0]


def test_two_takers_of_one_case(state: AppState) -> None:
    """Rounds of one case and two takers: one gets it, the other gets nothing."""
    ana, bob = staff(state, "ana"), staff(state, "bob")
    for _ in range(4):
        [case_id] = add_cases(state, [("P1", 200)])
        start = threading.Barrier(2)

        def take(user: StaffUser, barrier: threading.Barrier = start) -> int | None:
            barrier.wait()
            work = casework.take_next(state.db, LEASE, user, actor(user))
            return work["case_id"] if work else None

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(take, [ana, bob]))
        assert sorted(results, key=str) == sorted([case_id, None], key=str)
