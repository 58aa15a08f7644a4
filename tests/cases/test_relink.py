"""Undoing wrong links by hand, and the linking stage respecting it: a report split out stays
apart when a new report sharing its account arrives (the new one links by the rules); an
unlinked wrong link splits the case where nothing else holds it together, its keys kept in
the history; a hand merge joins two cases and revokes what kept them apart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework_support import LEASE, actor, staff
from linking_support import case_of, login, partition, run, submit
from tipline.cases import casework_usecases as casework
from tipline.cases import usecases as cases
from tipline.cases.casework import CaseHeld
from tipline.cases.models import CaseLinkDecision, CaseReport
from tipline.cases.relink import HAND_MERGE_KEY, RelinkError
from tipline.errors import NotFound
from tipline.state import AppState
from tipline.triage.service import RETRIAGE
from tipline.workqueue.models import WorkItem


def linked_by(state: AppState, report_id: int) -> list[int]:
    with state.db.sessions() as session:
        row = session.get(CaseReport, report_id)
        assert row is not None
        return [link["report_id"] for link in row.linked_by]


def test_a_split_report_stays_apart_when_a_new_report_shares_its_account(
        state: AppState) -> None:
    reporter = login(state)
    r1 = submit(state, reporter, {}, account="u-1")
    r2 = submit(state, reporter, {}, account="u-1", email="x@example.test")
    r3 = submit(state, reporter, {}, account="u-1")
    run(state)
    case_id = case_of(state)[r1]
    assert partition(case_of(state)) == {frozenset({r1, r2, r3})}
    ana = staff(state, "ana")
    result = casework.split_report(state.db, ana, actor(ana), case_id, r2, "another person")
    [new_case] = result["new_case_ids"]
    assert partition(case_of(state)) == {frozenset({r1, r3}), frozenset({r2})}
    assert linked_by(state, r3) == [r1]  # its link to r2 is gone (kept in the history)
    with state.db.sessions() as session:
        queued = set(session.scalars(select(WorkItem.key).where(WorkItem.queue == RETRIAGE)))
    assert {str(case_id), str(new_case)} <= queued

    r4 = submit(state, reporter, {}, account="u-1")  # shares the account with all three
    r5 = submit(state, reporter, {}, account="u-9", email="x@example.test")  # only with r2
    run(state)
    assert partition(case_of(state)) == {frozenset({r1, r3, r4}), frozenset({r2, r5})}
    assert case_of(state)[r4] == case_id and case_of(state)[r2] == new_case
    assert linked_by(state, r4) == [r1, r3]
    view = cases.view_case(state.db, ana, actor(ana), case_id)
    [added] = [e for e in view["history"] if e["kind"] == "report_added"
               and e["detail"]["report_id"] == r4]
    [decision] = view["decisions"]
    assert added["detail"]["held_apart"] == [{"case_id": new_case,
                                              "decisions": [decision["id"]]}]
    assert (decision["kind"], decision["report_id"], decision["reason"]) == (
        "apart", r2, "another person")
    [out] = [e for e in view["history"] if e["kind"] == "split_out"]
    assert out["actor"] == f"user:{ana.id}" and out["detail"]["into"] == new_case
    assert {(link["from"], link["to"], *link["keys"]) for link in out["detail"]["links_removed"]
            } == {(r2, r1, "account:examplechat|u-1"), (r3, r2, "account:examplechat|u-1")}


def test_unlinking_a_wrong_link_splits_where_nothing_else_holds(state: AppState) -> None:
    reporter = login(state)
    r1 = submit(state, reporter, {}, account="a", email="shared@example.test")
    r2 = submit(state, reporter, {}, account="b", email="shared@example.test")  # via email
    r3 = submit(state, reporter, {}, account="b")  # via r2's account
    run(state)
    case_id = case_of(state)[r1]
    ana = staff(state, "ana")
    with pytest.raises(RelinkError, match="not linked to each other"):
        casework.unlink_reports(state.db, ana, actor(ana), case_id, r1, r3, "x")
    result = casework.unlink_reports(state.db, ana, actor(ana), case_id, r2, r1,
                                  "a family e-mail address, not one person")
    [new_case] = result["new_case_ids"]
    assert partition(case_of(state)) == {frozenset({r1}), frozenset({r2, r3})}
    assert case_of(state)[r1] == case_id and case_of(state)[r3] == new_case
    history = cases.view_case(state.db, ana, actor(ana), case_id)["history"]
    [removed] = [e for e in history if e["kind"] == "link_removed"]
    assert removed["detail"]["keys"] == ["email:shared@example.test"]
    assert removed["detail"]["reason"] == "a family e-mail address, not one person"
    r4 = submit(state, reporter, {}, account="b", email="shared@example.test")
    run(state)
    assert partition(case_of(state)) == {frozenset({r1, r4}), frozenset({r2, r3})}


def test_unlinking_keeps_a_case_that_holds_together(state: AppState) -> None:
    reporter = login(state)
    r1 = submit(state, reporter, {}, account="a")
    r2 = submit(state, reporter, {}, account="a")
    r3 = submit(state, reporter, {}, account="a")
    run(state)
    ana = staff(state, "ana")
    case_id = case_of(state)[r1]
    result = casework.unlink_reports(state.db, ana, actor(ana), case_id, r3, r1, "checked")
    assert result["new_case_ids"] == []
    assert linked_by(state, r3) == [r2]
    assert partition(case_of(state)) == {frozenset({r1, r2, r3})}


def test_merge_by_hand_and_it_revokes_keeping_apart(state: AppState) -> None:
    reporter = login(state)
    r1 = submit(state, reporter, {}, account="a")
    r2 = submit(state, reporter, {}, account="a")
    r3 = submit(state, reporter, {}, account="z")
    run(state)
    ana = staff(state, "ana")
    first, stranger = case_of(state)[r1], case_of(state)[r3]
    [split] = casework.split_report(state.db, ana, actor(ana), first, r2, "unsure")["new_case_ids"]
    casework.merge_cases(state.db, ana, actor(ana), first, split, "the same person after all")
    casework.merge_cases(state.db, ana, actor(ana), first, stranger, "one offender, two names")
    assert partition(case_of(state)) == {frozenset({r1, r2, r3})}
    assert HAND_MERGE_KEY in str(cases.view_case(state.db, ana, actor(ana), first)["reports"])
    assert cases.view_case(state.db, ana, actor(ana), stranger)["id"] == first  # resolves
    with state.db.sessions() as session:
        decisions = list(session.scalars(select(CaseLinkDecision).order_by(
            CaseLinkDecision.id)))
    assert [(d.kind, d.revoked_at is not None) for d in decisions] == [
        ("apart", True), ("merged", False), ("merged", False)]
    r4 = submit(state, reporter, {}, account="a")
    run(state)
    assert partition(case_of(state)) == {frozenset({r1, r2, r3, r4})}
    with pytest.raises(RelinkError, match="itself"):
        casework.merge_cases(state.db, ana, actor(ana), first, first, "x")


def test_relinking_asks_for_the_case_and_respects_its_holder(state: AppState) -> None:
    reporter = login(state)
    r1 = submit(state, reporter, {}, account="a")
    r2 = submit(state, reporter, {}, account="a")
    run(state)
    ana, bob = staff(state, "ana"), staff(state, "bob")
    case_id = case_of(state)[r1]
    with pytest.raises(NotFound):
        casework.split_report(state.db, ana, actor(ana), case_id, 999_999, "x")
    casework.take_case(state.db, LEASE, bob, actor(bob), case_id)
    with pytest.raises(CaseHeld):
        casework.split_report(state.db, ana, actor(ana), case_id, r2, "x")
    casework.split_report(state.db, bob, actor(bob), case_id, r2, "x")
    with pytest.raises(RelinkError, match="only report"):
        casework.split_report(state.db, bob, actor(bob), case_id, r1, "x")
