"""Staff logins are audited: a login by the user, a failed login (wrong password or unknown
username) by nobody on the username tried, never with the password."""

from __future__ import annotations

from staff_support import STAFF_PASSWORD, add_user
from tipline.audit.models import AuditEvent
from tipline.audit.service import events_for
from tipline.state import AppState
from tipline.users.service import StaffCredentialCache
from tipline.users.usecases import login


def _events(state: AppState, action: str) -> list[AuditEvent]:
    with state.db.sessions() as session:
        return [e for e in session.query(AuditEvent).order_by(AuditEvent.id)
                if e.action == action]


def test_a_login_is_audited_by_the_user(state: AppState) -> None:
    add_user(state, "ana")
    cache = StaffCredentialCache(60)
    for _ in range(2):  # the second login is answered from the cache: audited all the same
        user = login(state.db, "ana", STAFF_PASSWORD, cache, "10.0.0.7")
        assert user is not None
    with state.db.sessions() as session:
        events = events_for(session, "user", user.id)
    logins = [e for e in events if e.action == "staff.login"]
    assert len(logins) == 2
    assert {(e.actor, e.remote_addr) for e in logins} == {(f"user:{user.id}", "10.0.0.7")}
    assert _events(state, "staff.login_failed") == []


def test_failed_logins_are_audited_without_the_password(state: AppState) -> None:
    add_user(state, "ana")
    cache = StaffCredentialCache(60)
    assert login(state.db, "ana", "a-wrong-password-123", cache, "10.0.0.8") is None
    assert login(state.db, "nobody", "another-password-456", cache) is None
    failed = _events(state, "staff.login_failed")
    assert [(e.actor, e.object_type, e.object_id) for e in failed] == [
        ("anonymous", "user", "ana"), ("anonymous", "user", "nobody")]
    assert failed[0].remote_addr == "10.0.0.8"
    assert all("password" not in str(e.detail) for e in failed)
    assert _events(state, "staff.login") == []
