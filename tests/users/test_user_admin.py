"""Administrators' staff-account use cases (both databases), and the reporter viewer a
reporter user resolves to."""

from __future__ import annotations

import pytest

from staff_support import STAFF_PASSWORD
from tipline import access
from tipline.audit.service import Actor
from tipline.errors import Forbidden, NotFound
from tipline.state import AppState
from tipline.users import usecases
from tipline.users.schemas import UserCreate
from tipline.users.service import StaffCredentialCache, StaffUser, create_user, staff_user

from support import add_reporter

ACTOR = Actor("test")


def _admin(state: AppState, role: str = "admin") -> StaffUser:
    fields = {"username": f"boss-{role}", "role": role, "organisation": "Hotline",
              "jurisdiction": "NL", "password": STAFF_PASSWORD}
    with state.db.transaction() as session:
        user = create_user(session, UserCreate.model_validate(fields), ACTOR)
        return staff_user(user)


def _fields(**overrides: str) -> dict[str, str]:
    return {"username": "new-person", "name": "", "role": "analyst", "organisation": "Hotline",
            "jurisdiction": "de", "password": STAFF_PASSWORD, **overrides}


def test_an_admin_creates_lists_and_deactivates_users(state: AppState) -> None:
    admin = _admin(state)
    made = usecases.add_user(state.db, admin, ACTOR, _fields())
    assert (made.role, made.jurisdiction, made.active) == ("analyst", "DE", True)
    assert [u.username for u in usecases.list_users(state.db, admin)] == [
        "boss-admin", "new-person"]
    found = usecases.page_login(state.db, "new-person", STAFF_PASSWORD, StaffCredentialCache(0),
                                None, state.logins)
    assert found is not None and usecases.session_user(state.db, found[1]) == found[0]
    assert not usecases.set_user_active(state.db, admin, ACTOR, made.id, False).active
    assert usecases.session_user(state.db, found[1]) is None
    assert usecases.set_user_active(state.db, admin, ACTOR, made.id, True).active
    with pytest.raises(usecases.UserRefused, match="your own account"):
        usecases.set_user_active(state.db, admin, ACTOR, admin.id, False)
    with pytest.raises(NotFound):
        usecases.set_user_active(state.db, admin, ACTOR, 987654, False)


@pytest.mark.parametrize("fields, reason", [
    ({"role": "agency", "organisation": "NOPE"}, "no agency 'NOPE'"),
    ({"role": "reporter", "organisation": "nobody"}, "no reporter 'nobody'"),
    ({"role": "wizard"}, "unknown role"),
    ({"password": "short"}, "password"),
    ({"jurisdiction": "X1"}, "jurisdiction"),
])
def test_a_user_that_would_see_nothing_or_break_a_rule_is_refused(
        state: AppState, fields: dict[str, str], reason: str) -> None:
    with pytest.raises(usecases.UserRefused, match=reason):
        usecases.add_user(state.db, _admin(state), ACTOR, _fields(**fields))


def test_only_admins_manage_users(state: AppState) -> None:
    supervisor = _admin(state, "supervisor")
    with pytest.raises(Forbidden):
        usecases.list_users(state.db, supervisor)
    with pytest.raises(Forbidden):
        usecases.add_user(state.db, supervisor, ACTOR, _fields())


def test_a_reporter_user_is_its_organisations_reporter_viewer(state: AppState) -> None:
    add_reporter(state, "platform-view")
    admin = _admin(state)
    made = usecases.add_user(state.db, admin, ACTOR, _fields(role="reporter",
                                                            organisation="platform-view"))
    user = StaffUser(made.id, made.username, made.role, made.organisation, made.jurisdiction)
    with state.db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        assert viewer.is_reporter and not viewer.is_centre and not viewer.is_agency
        assert access.own_reporter(viewer) == viewer.id != made.id
        with pytest.raises(NotFound):
            access.case(session, viewer, 1)
        with pytest.raises(Forbidden):
            access.check_worklist(viewer)
        lost = access.staff_viewer(session, StaffUser(made.id, "x", "reporter", "gone", "GB"))
        assert not lost.is_reporter
        with pytest.raises(NotFound):
            access.own_reporter(lost)
