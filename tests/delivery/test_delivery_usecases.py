"""Delivery use cases called directly: a pull of a package whose case changed commits the
supersede and its replacement, then refuses with a Conflict naming the replacement."""

from __future__ import annotations

import pytest
from delivery_support import add_agency, add_case, delivery, grow_case, route_and_enqueue

from tipline.audit.service import Actor
from tipline.delivery import usecases
from tipline.delivery.service import StalePackage
from tipline.errors import Conflict, NotFound
from tipline.state import AppState
from tipline.users.service import StaffUser

DESK = StaffUser(1, "desk", "agency", "SE-NOA", "SE")


def test_a_stale_package_commits_its_replacement_then_conflicts(
        state: AppState, reporter: tuple[str, str]) -> None:
    agency_id = add_agency(state, "SE-NOA", method="pull")
    add_agency(state, "FR-OFMIN", method="pull")
    case_id = add_case(state, reporter[0], [b"a benign synthetic file"])
    first = route_and_enqueue(state, case_id, agency_id)
    assert first is not None
    grow_case(state, reporter[0], case_id)  # the queued version no longer matches the case
    with pytest.raises(StalePackage) as refused:
        usecases.pull(state, DESK, Actor("test"), first, "json")
    assert isinstance(refused.value, Conflict) and refused.value.http_status == 409
    replacement = refused.value.replacement
    assert replacement is not None
    assert refused.value.message == (f"the case changed; a newer delivery replaces this one "
                                     f"({replacement.id})")
    assert delivery(state, first).status == "superseded"  # committed despite the refusal
    assert delivery(state, replacement.id).status == "pending"
    pulled = usecases.pull(state, DESK, Actor("test"), replacement.id, "json")
    assert pulled.case_id == case_id and delivery(state, replacement.id).status == "delivered"
    with pytest.raises(NotFound):  # another agency's user does not learn it exists
        usecases.pull(state, StaffUser(2, "x", "agency", "FR-OFMIN", "FR"), Actor("test"),
                      replacement.id, "json")
