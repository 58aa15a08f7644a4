"""Casework use cases: take, assign, release with leases; status with allowed transitions,
closing reasons and reopening; append-only notes; a history of who changed what; and access
(an agency user may read a case routed to it but not work it)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from casework_support import LEASE, actor, add_cases, case_row, staff
from tipline.agencies.models import Agency
from tipline.audit.models import AuditEvent
from tipline.cases import casework_usecases as casework
from tipline.cases import usecases as cases
from tipline.cases.casework import CaseHeld, CaseNotOpen
from tipline.cases.rules import CaseworkError
from tipline.errors import Forbidden, NotFound
from tipline.routing.models import Route
from tipline.state import AppState
from tipline.triage import usecases as triage


def history(state: AppState, case_id: int) -> list[tuple[str, str | None, dict[str, object]]]:
    analyst = staff(state, "reader")
    view = cases.view_case(state.db, analyst, actor(analyst), case_id)
    return [(e["kind"], e["actor"], e["detail"]) for e in view["history"]]


def test_take_assign_release_and_the_history_says_who(state: AppState) -> None:
    [case_id] = add_cases(state, [("P2", 70)])
    ana, bob = staff(state, "ana"), staff(state, "bob")
    sue = staff(state, "sue", "supervisor")
    work = casework.take_case(state.db, LEASE, ana, actor(ana), case_id)
    assert (work["owner"], work["status"], work["assigned"]) == ("ana", "in_review", False)
    lease_until = dt.datetime.fromisoformat(work["lease_until"])
    assert dt.timedelta(minutes=29) < lease_until - dt.datetime.now(dt.UTC) <= LEASE
    with pytest.raises(CaseHeld, match="held by ana"):
        casework.take_case(state.db, LEASE, bob, actor(bob), case_id)
    with pytest.raises(CaseHeld):
        casework.change_status(state.db, LEASE, bob, actor(bob), case_id, "referred")
    with pytest.raises(CaseHeld):
        casework.release_case(state.db, bob, actor(bob), case_id)
    with pytest.raises(Forbidden):  # assigning is a supervisor's
        casework.assign_case(state.db, ana, actor(ana), case_id, bob.id)
    work = casework.assign_case(state.db, sue, actor(sue), case_id, bob.id)
    assert (work["owner"], work["assigned"], work["lease_until"]) == ("bob", True, None)
    with pytest.raises(CaseHeld, match="held by bob"):
        casework.take_case(state.db, LEASE, ana, actor(ana), case_id)
    assert casework.release_case(state.db, bob, actor(bob), case_id)["owner"] is None
    events = [(kind, who, detail.get("from"), detail.get("to"))
              for kind, who, detail in history(state, case_id)]
    assert events == [("taken", f"user:{ana.id}", None, "ana"),
                      ("status_changed", f"user:{ana.id}", "new", "in_review"),
                      ("assigned", f"user:{sue.id}", "ana", "bob"),
                      ("released", f"user:{bob.id}", "bob", None)]
    with state.db.sessions() as session:
        audited = list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id))))
    assert {"case.taken", "case.assigned", "case.released", "case.status_changed"} <= set(
        audited)


def test_only_centre_staff_can_be_given_a_case(state: AppState) -> None:
    [case_id] = add_cases(state, [("P3", 30)])
    sue = staff(state, "sue", "supervisor")
    agent = staff(state, "agent", "agency", organisation="DE-BKA")
    with pytest.raises(Forbidden, match="may not work cases"):
        casework.assign_case(state.db, sue, actor(sue), case_id, agent.id)
    with pytest.raises(NotFound):
        casework.assign_case(state.db, sue, actor(sue), case_id, 999_999)


def test_status_transitions_closing_reasons_and_reopening(state: AppState) -> None:
    [case_id] = add_cases(state, [("P3", 30)])
    ana = staff(state, "ana")
    change = lambda status, **kw: casework.change_status(  # noqa: E731
        state.db, LEASE, ana, actor(ana), case_id, status, **kw)
    with pytest.raises(CaseworkError, match="cannot become waiting_for_outcome"):
        change("waiting_for_outcome")
    with pytest.raises(CaseworkError, match="closing needs a closing_reason"):
        change("closed")
    with pytest.raises(CaseworkError, match="closing needs a closing_reason"):
        change("closed", closing_reason="bored")
    with pytest.raises(CaseworkError, match="unknown status"):
        change("lost")
    casework.take_case(state.db, LEASE, ana, actor(ana), case_id)
    assert change("referred")["status"] == "referred"
    assert change("waiting_for_outcome")["status"] == "waiting_for_outcome"
    closed = change("closed", closing_reason="referred_acknowledged")
    assert (closed["status"], closed["closing_reason"], closed["owner"]) == (
        "closed", "referred_acknowledged", None)  # closing releases the case
    assert case_row(state, case_id).status == "closed"
    assert case_id not in [r.case.id for r in triage.worklist(state.db, ana, None, 100)]
    with pytest.raises(CaseNotOpen):
        casework.take_case(state.db, LEASE, ana, actor(ana), case_id)
    with pytest.raises(CaseworkError, match="reopening a closed case needs a reason"):
        change("in_review")
    reopened = change("in_review", reason="the agency asked for more")
    assert (reopened["status"], reopened["closing_reason"]) == ("in_review", None)
    assert case_id in [r.case.id for r in triage.worklist(state.db, ana, None, 100)]
    kinds = [(k, d.get("from"), d.get("to"), d.get("closing_reason"), d.get("reason"))
             for k, _, d in history(state, case_id) if k in ("status_changed", "reopened")]
    assert kinds[-2:] == [
        ("status_changed", "waiting_for_outcome", "closed", "referred_acknowledged", None),
        ("reopened", "closed", "in_review", None, "the agency asked for more")]


def test_an_expired_lease_holds_nobody(state: AppState) -> None:
    [case_id] = add_cases(state, [("P1", 120)])
    ana, bob = staff(state, "ana"), staff(state, "bob")
    casework.take_case(state.db, dt.timedelta(seconds=0), ana, actor(ana), case_id)
    assert cases.view_case(state.db, bob, actor(bob), case_id)["owner"] is None
    work = casework.take_next(state.db, LEASE, bob, actor(bob))
    assert work is not None and (work["case_id"], work["owner"]) == (case_id, "bob")
    [taken] = [d for k, _, d in history(state, case_id) if k == "taken" and d["to"] == "bob"]
    assert taken["from"] == "ana" and taken["expired_lease"]


def test_acts_of_the_holder_renew_the_lease(state: AppState) -> None:
    [case_id] = add_cases(state, [("P1", 120)])
    ana = staff(state, "ana")
    first = casework.take_case(state.db, dt.timedelta(minutes=1), ana, actor(ana), case_id)
    casework.add_note(state.db, LEASE, ana, actor(ana), case_id, "looked at the accounts")
    renewed = case_row(state, case_id).lease_until
    assert renewed is not None
    assert renewed > dt.datetime.fromisoformat(first["lease_until"]) + dt.timedelta(minutes=20)


def test_notes_are_appended_with_author_and_time(state: AppState) -> None:
    [case_id] = add_cases(state, [("P3", 30)])
    ana, bob = staff(state, "ana"), staff(state, "bob")
    casework.take_case(state.db, LEASE, ana, actor(ana), case_id)
    casework.add_note(state.db, LEASE, ana, actor(ana), case_id, "  first  ")
    casework.add_note(state.db, LEASE, bob, actor(bob), case_id, "a second opinion")
    with pytest.raises(CaseworkError, match="needs text"):
        casework.add_note(state.db, LEASE, bob, actor(bob), case_id, "   ")
    view = cases.view_case(state.db, ana, actor(ana), case_id)
    assert [(n["author"], n["text"]) for n in view["notes"]] == [
        ("ana", "first"), ("bob", "a second opinion")]
    assert all(n["at"] for n in view["notes"])
    assert [k for k, _, _ in history(state, case_id)].count("note_added") == 2


def test_logging_out_releases_leases_not_assignments(state: AppState) -> None:
    taken, assigned = add_cases(state, [("P2", 70), ("P3", 30)])
    ana, sue = staff(state, "ana"), staff(state, "sue", "supervisor")
    casework.take_case(state.db, LEASE, ana, actor(ana), taken)
    casework.assign_case(state.db, sue, actor(sue), assigned, ana.id)
    assert casework.release_my_cases(state.db, ana, actor(ana)) == [taken]
    assert case_row(state, taken).owner_id is None
    assert case_row(state, assigned).owner_id == ana.id


def test_agency_users_read_routed_cases_but_do_not_work_them(state: AppState) -> None:
    routed, other = add_cases(state, [("P2", 70), ("P2", 70)])
    with state.db.transaction() as session:
        agency = Agency(code="DE-BKA", name="BKA", countries=["DE"], channel="direct",
                        delivery_method="pull")
        session.add(agency)
        session.flush()
        session.add(Route(case_id=routed, agency_id=agency.id))
    agent = staff(state, "agent", "agency", organisation="DE-BKA")
    assert cases.view_case(state.db, agent, actor(agent), routed)["id"] == routed
    acts = [lambda cid: casework.take_case(state.db, LEASE, agent, actor(agent), cid),
            lambda cid: casework.add_note(state.db, LEASE, agent, actor(agent), cid, "x"),
            lambda cid: casework.change_status(state.db, LEASE, agent, actor(agent), cid,
                                            "referred"),
            lambda cid: casework.release_case(state.db, agent, actor(agent), cid)]
    for act in acts:
        with pytest.raises(Forbidden):
            act(routed)
        with pytest.raises(NotFound):
            act(other)
    with pytest.raises(Forbidden):
        casework.take_next(state.db, LEASE, agent, actor(agent))
