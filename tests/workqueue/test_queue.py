"""The leased work queue, tested once, through its three users (the pipeline, delivery and the
generic work items) on both databases: claims and leases, expiry and takeover, lost leases,
renewal, failures with backoff and dead letters, release of leases, waking after commit, and
workers run until idle or served in threads."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from queue_support import USERS, Control, User, effects, note
from sqlalchemy import select, update

from tipline.alerts.models import Alert
from tipline.db import utcnow
from tipline.routing.models import Route
from tipline.state import AppState
from tipline.workqueue.queue import Backoff, Retry
from tipline.workqueue.serve import Background
from tipline.workqueue.wake import subscribe, unsubscribe

from support import wait_for

RETRY = Retry(max_attempts=3, backoff=Backoff(base=2.0, cap=300.0), lease_seconds=60.0)
PROGRESS = 120  # generous ceiling for anything waited on


def test_claim_leases_a_row_and_an_expired_lease_is_taken_over(
        state: AppState, user: User, control: Control) -> None:
    worker = user.worker(state, RETRY, control)
    key = user.queue_one(state)
    first = user.claim(worker)
    assert first is not None and first.key == key
    assert user.row(state, key)["lease_until"] == first.until
    assert user.claim(worker) is None, "a live lease must not be taken over"
    user.expire(state, key)  # the first worker stalled past its lease
    second = user.claim(worker)
    assert second is not None and second.key == key and second != first
    # The stalled worker comes back: whatever it did is discarded, and it records no failure.
    assert not worker.queue.complete(first, lambda session: note(session, key))
    assert worker.queue.fail(first, "too late") is None
    assert worker.queue.renew(first) is None
    assert effects(state) == 0
    row = user.row(state, key)
    assert (row["status"], row["last_error"]) == (user.ready, None)
    assert worker.queue.complete(second, lambda session: note(session, key))
    row = user.row(state, key)
    assert (row["status"], row["lease_until"]) == (user.done, None)
    assert effects(state) == 1
    assert user.claim(worker) is None, "completed work is never claimed again"


def test_attempts_are_counted_at_claim_or_at_failure(
        state: AppState, user: User, control: Control) -> None:
    worker = user.worker(state, RETRY, control)
    key = user.queue_one(state)
    lease = user.claim(worker)
    assert lease is not None
    counted = 1 if user.count_at_claim else 0  # delivery and items: a crash was an attempt
    assert lease.attempts == counted and user.row(state, key)["attempts"] == counted


def test_renew_extends_a_held_lease(state: AppState, user: User, control: Control) -> None:
    worker = user.worker(state, RETRY, control)
    key = user.queue_one(state)
    lease = user.claim(worker)
    assert lease is not None
    renewed = worker.queue.renew(lease)
    assert renewed is not None and renewed.until >= lease.until
    assert user.row(state, key)["lease_until"] == renewed.until
    with state.db.transaction() as session:
        assert worker.queue.holds(session, renewed)
    assert worker.queue.complete(renewed)
    assert user.row(state, key)["status"] == user.done


def test_failures_back_off_then_become_a_dead_letter(
        state: AppState, user: User, control: Control) -> None:
    worker = user.worker(state, RETRY, control)
    key = user.queue_one(state)
    control.fail()
    for attempt in (1, 2):
        before = utcnow()
        assert worker.run_one()
        row = user.row(state, key)
        assert (row["status"], row["attempts"]) == (user.ready, attempt)
        assert row["last_error"] == user.failure and row["lease_until"] is None
        # Exponential backoff: 2 s after the first failure, 4 s after the second.
        delay = (user.available_at(row) - before).total_seconds()
        assert 2 ** attempt - 1 < delay <= 2 ** attempt + 1
        assert not worker.run_one(), "work that is backing off must not be claimed"
        user.make_available(state, key)
    assert worker.run_one()
    row = user.row(state, key)
    assert (row["status"], row["attempts"], row["last_error"]) == (user.dead, 3, user.failure)
    user.make_available(state, key)
    assert not worker.run_one(), "a dead letter is never claimed again"
    assert effects(state) == 0, "a failing attempt's effects are rolled back"
    with state.db.sessions() as session:
        alerts = session.scalars(select(Alert.kind)).all()
    assert alerts == (["dead_letter"] if user.name == "delivery" else [])


def test_work_that_recovers_completes_once(state: AppState, user: User,
                                          control: Control) -> None:
    worker = user.worker(state, RETRY, control)
    key = user.queue_one(state)
    control.fail()
    assert worker.run_one()
    control.fail(False)
    user.make_available(state, key)
    assert worker.run_one()
    row = user.row(state, key)
    assert (row["status"], row["last_error"]) == (user.done, None)
    assert effects(state) == (0 if user.name == "delivery" else 1)


def test_work_that_left_the_queue_in_flight_only_notes_the_failure(
        state: AppState, user: User, control: Control) -> None:
    """E.g. a delivery superseded while it was being sent: nothing is left to retry."""
    worker = user.worker(state, RETRY, control)
    key = user.queue_one(state)
    lease = user.claim(worker)
    assert lease is not None
    with state.db.transaction() as session:
        session.execute(update(user.table).where(user.table.c[user.key] == key)
                        .values(status="superseded"))
    assert worker.queue.fail(lease, "HTTP 503") == "dropped"
    row = user.row(state, key)
    assert (row["status"], row["last_error"], row["lease_until"]) == (
        "superseded", "HTTP 503", None)


def test_release_all_leases_frees_only_ready_rows(state: AppState, user: User,
                                                 control: Control) -> None:
    worker = user.worker(state, RETRY, control)
    first, second = user.queue_one(state), user.queue_one(state)
    assert worker.run_one()  # the first is done
    lease = user.claim(worker)  # the second is leased for 60 s by a "crashed" process
    assert lease is not None and lease.key == second
    assert user.claim(worker) is None
    assert worker.release_all_leases() == 1
    assert user.row(state, second)["lease_until"] is None
    assert user.row(state, first)["status"] == user.done
    assert worker.run_one()
    assert user.row(state, second)["status"] == user.done


def test_run_until_idle(state: AppState, user: User, control: Control) -> None:
    worker = user.worker(state, RETRY, control)
    keys = [user.queue_one(state) for _ in range(3)]
    assert worker.run_until_idle() == 3
    assert worker.run_until_idle() == 0
    assert {user.row(state, key)["status"] for key in keys} == {user.done}


WAKES = [(name, on) for name, user in USERS.items() for on in user.executors]


@pytest.mark.parametrize(("name", "on"), WAKES)
def test_commit_wakes_waiting_workers_and_rollback_does_not(
        state: AppState, control: Control, name: str, on: str) -> None:
    user = USERS[name]
    user.worker(state, RETRY, control)  # (delivery: registers the test agency)
    waker = threading.Event()
    subscribe([user.channel], waker)
    try:
        assert user.queue_one(state, on, commit=False) is None
        assert not waker.wait(0.5), "a rolled-back enqueue must wake nobody"
        user.queue_one(state, on)
        assert waker.wait(PROGRESS), "the committed enqueue did not wake the worker"
    finally:
        unsubscribe([user.channel], waker)


def test_served_worker_sleeps_until_woken_by_a_commit(
        state: AppState, user: User, control: Control) -> None:
    """Served with an hour's poll interval, the worker can only see the work by being woken."""
    worker = user.worker(state, RETRY, control)
    served = Background(worker, poll_seconds=3600, threads=2, what=f"test-{user.name}")
    served.start()
    try:
        first = user.queue_one(state)
        wait_for(lambda: user.row(state, first)["status"] == user.done, PROGRESS,
                 "the woken worker to do the first unit")
        second = user.queue_one(state)
        wait_for(lambda: user.row(state, second)["status"] == user.done, PROGRESS,
                 "the woken worker to do the second unit")
    finally:
        served.stop()
    assert not any(thread.is_alive() for thread in served.threads), "stop wakes idle threads"


def test_delivery_retries_sooner_as_the_deadline_nears(state: AppState,
                                                       control: Control) -> None:
    user = USERS["delivery"]
    worker = user.worker(state, Retry(30, Backoff(1.0, 1000.0, jitter=True), 60.0), control)
    key = user.queue_one(state)
    with state.db.transaction() as session:
        session.execute(update(user.table).where(user.table.c.id == key).values(attempts=9))
        deadline = utcnow() + dt.timedelta(seconds=20)
        session.execute(update(Route).values(deadline=deadline))
    control.fail()
    before = utcnow()
    assert worker.run_one()
    after = utcnow()
    row = user.row(state, key)
    # The tenth attempt would back off 256-512 s; with at most 20 s left it waits a quarter of
    # what is left when it fails (bounded from both ends, so the machine's speed does not count).
    assert row["attempts"] == 10 and row["status"] == "pending"
    assert user.available_at(row) <= after + (deadline - before) / 4
    assert user.available_at(row) - before < dt.timedelta(seconds=256)
