"""Push delivery against real test agencies on loopback: faults delay, never lose, never
duplicate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from delivery_support import (
    SECRET,
    add_agency,
    add_case,
    delivery,
    drive,
    grow_case,
    route_and_enqueue,
    route_of,
    worker,
)
from sqlalchemy import select

from agency_server import AgencyServer
from tipline.alerts.models import Alert
from tipline.delivery.rules import idempotency_key
from tipline.state import AppState


@pytest.fixture
def agency() -> Iterator[AgencyServer]:
    server = AgencyServer(SECRET).start()
    yield server
    server.stop()


def _setup(state: AppState, reporter: tuple[str, str], agency: AgencyServer) -> tuple[int, int]:
    agency_id = add_agency(state, "DE-BKA", url=agency.url)
    case_id = add_case(state, reporter[0], [b"benign synthetic bytes"])
    delivery_id = route_and_enqueue(state, case_id, agency_id)
    assert delivery_id is not None
    return case_id, delivery_id


def test_signed_package_is_acknowledged(state: AppState, reporter: tuple[str, str],
                                        agency: AgencyServer) -> None:
    case_id, delivery_id = _setup(state, reporter, agency)
    w = worker(state)
    drive(w, lambda: delivery(state, delivery_id).status == "acknowledged")
    d = delivery(state, delivery_id)
    assert d.idempotency_key == idempotency_key(case_id, d.agency_id, d.case_version)
    assert d.ack_detail["ack"]["body"]["received"] is True and d.attempts == 1
    got = agency.applied[d.idempotency_key]
    assert agency.bad_signatures == 0
    assert got.case == str(case_id) and got.version == d.case_version
    assert got.body["format"] == "tipline.case-package/1" and got.body["update"] is False
    assert got.body["content"]["files"][0]["sha256"]
    assert got.body["deadline"] and got.body["channel_chain"] == ["direct"]


def test_endpoint_down_is_retried_later_and_never_lost(
        state: AppState, reporter: tuple[str, str], agency: AgencyServer) -> None:
    _case_id, delivery_id = _setup(state, reporter, agency)
    agency.stop()
    w = worker(state)
    w.run_one()
    d = delivery(state, delivery_id)
    assert d.status == "pending" and d.attempts == 1 and "Connect" in (d.last_error or "")
    assert d.next_attempt_at > d.created_at
    agency.start()  # back on the same port
    drive(w, lambda: delivery(state, delivery_id).status == "acknowledged")
    assert len(agency.applied) == 1


@pytest.mark.parametrize("mode", ["error500", "bad_ack", "reject_signature", "hang"])
def test_faulty_answers_are_retried(state: AppState, reporter: tuple[str, str],
                                    agency: AgencyServer, mode: str) -> None:
    _case_id, delivery_id = _setup(state, reporter, agency)
    agency.mode, agency.delay = mode, 0.6  # hang: longer than the 0.3 s read limit
    w = worker(state)
    w.run_one()
    d = delivery(state, delivery_id)
    assert d.status == "pending" and d.attempts == 1 and d.last_error
    agency.mode = "ok"
    drive(w, lambda: delivery(state, delivery_id).status == "acknowledged")
    assert len(agency.applied) == 1


def test_slow_receiver_times_out_and_applies_once(
        state: AppState, reporter: tuple[str, str], agency: AgencyServer) -> None:
    _case_id, delivery_id = _setup(state, reporter, agency)
    agency.mode, agency.delay = "slow", 0.6  # applied, but answered after the read limit
    w = worker(state)
    w.run_one()
    assert "timeout" in (delivery(state, delivery_id).last_error or "")
    agency.mode = "ok"
    drive(w, lambda: delivery(state, delivery_id).status == "acknowledged")
    assert len(agency.attempts) == 2 and len(agency.applied) == 1
    assert delivery(state, delivery_id).ack_detail["ack"]["body"]["duplicate"] is True


def test_dead_letter_and_alert_after_max_attempts(
        state: AppState, reporter: tuple[str, str], agency: AgencyServer) -> None:
    case_id, delivery_id = _setup(state, reporter, agency)
    agency.mode = "error500"
    w = worker(state)
    drive(w, lambda: delivery(state, delivery_id).status == "dead")
    assert delivery(state, delivery_id).attempts == state.settings.delivery_max_attempts
    with state.db.sessions() as session:
        alerts = session.scalars(select(Alert).where(Alert.case_id == case_id)).all()
    assert [a.kind for a in alerts] == ["dead_letter"] and "HTTP 500" in alerts[0].message
    assert not agency.applied


def test_unchanged_case_never_twice_changed_case_as_new_version(
        state: AppState, reporter: tuple[str, str], agency: AgencyServer) -> None:
    case_id, first = _setup(state, reporter, agency)
    route_id = route_of(state, case_id)
    agency_id = delivery(state, first).agency_id
    assert route_and_enqueue(state, case_id, agency_id, route_id) is None  # same version
    w = worker(state)
    drive(w, lambda: delivery(state, first).status == "acknowledged")
    assert route_and_enqueue(state, case_id, agency_id, route_id) is None  # still unchanged
    grow_case(state, reporter[0], case_id)
    second = route_and_enqueue(state, case_id, agency_id, route_id)
    assert second is not None and second != first
    drive(w, lambda: delivery(state, second).status == "acknowledged")
    v1, v2 = delivery(state, first).case_version, delivery(state, second).case_version
    assert agency.versions_applied(case_id) == [v1, v2]
    update = agency.applied[delivery(state, second).idempotency_key]
    assert update.previous == v1 and update.body["update"] is True
    assert len(update.body["content"]["reports"]) == 2


def test_case_changed_while_queued_sends_only_the_new_version(
        state: AppState, reporter: tuple[str, str], agency: AgencyServer) -> None:
    case_id, first = _setup(state, reporter, agency)
    grow_case(state, reporter[0], case_id)  # routing has not re-queued yet
    w = worker(state)
    w.run_until_idle()
    assert delivery(state, first).status == "superseded"
    assert len(agency.applied) == 1
    only = next(iter(agency.applied.values()))
    assert only.version != delivery(state, first).case_version
    assert len(only.body["content"]["reports"]) == 2


def test_redelivery_after_a_lost_lease_is_applied_once(
        state: AppState, reporter: tuple[str, str], agency: AgencyServer) -> None:
    """A worker that dies after sending: the lease expires, another worker re-sends with the same
    key, and the receiver applies the case once."""
    _case_id, delivery_id = _setup(state, reporter, agency)
    w = worker(state)
    claim = w.claim()
    assert claim is not None
    outgoing = w._prepare(claim)
    assert outgoing is not None
    w._send(outgoing)  # ... and the process dies here, before recording the outcome
    with state.db.transaction() as session:
        from tipline.delivery.models import Delivery

        row = session.get(Delivery, delivery_id)
        assert row is not None
        row.lease_until = None  # the lease expired
    drive(w, lambda: delivery(state, delivery_id).status == "acknowledged")
    assert len(agency.attempts) == 2 and len(agency.applied) == 1
