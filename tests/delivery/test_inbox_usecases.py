"""The agency inbox's use cases (both databases): only the agency's own cases and
deliveries, nearest deadline first; another agency's case is not found."""

from __future__ import annotations

import pytest

from pages_support import pull_agency, routed_case
from tipline.delivery import usecases
from tipline.errors import Forbidden, NotFound
from tipline.state import AppState
from tipline.users.service import StaffUser


def _agency_user(code: str) -> StaffUser:
    return StaffUser(0, f"user-{code}", "agency", code, "DE")


def test_the_inbox_holds_only_the_agencys_cases(state: AppState) -> None:
    later, _ = routed_case(state, "AG-A", deadline_hours=50)
    sooner, waiting = routed_case(state, "AG-A", deadline_hours=5)
    theirs, _ = routed_case(state, "AG-B")
    inbox = usecases.inbox(state.db, _agency_user("AG-A"))
    assert [c.case_id for c in inbox.cases] == [sooner, later]
    assert waiting in [d.id for d in inbox.waiting] and len(inbox.waiting) == 2
    assert all(c.delivery is not None and c.delivery.waiting for c in inbox.cases)
    view = usecases.inbox_case(state.db, _agency_user("AG-A"), sooner)
    assert [d.id for d in view.deliveries] == [waiting] and view.reports == 1
    assert [r.status for r in view.routes] == ["active"]
    with pytest.raises(NotFound):
        usecases.inbox_case(state.db, _agency_user("AG-A"), theirs)


def test_the_inbox_is_for_agency_users_of_an_active_agency(state: AppState) -> None:
    pull_agency(state, "AG-C")
    assert usecases.inbox(state.db, _agency_user("AG-C")).cases == []
    with pytest.raises(NotFound):
        usecases.inbox(state.db, _agency_user("AG-NONE"))
    with pytest.raises(Forbidden):
        usecases.inbox(state.db, StaffUser(0, "a", "analyst", "Hotline", "US"))
