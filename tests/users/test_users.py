"""Staff users: creation rules, and HTTP basic authentication of staff routes."""

from __future__ import annotations

import httpx
import pytest

from staff_support import STAFF_PASSWORD, add_user
from tipline.audit.service import Actor
from tipline.reporters.rules import verify_password
from tipline.state import AppState
from tipline.users import rules
from tipline.users.schemas import UserCreate
from tipline.users.service import UserExists, create_user
from tipline.users.store import by_username

from support import LiveServer, add_reporter


def test_rules_refuse_bad_roles_jurisdictions_and_short_passwords() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        rules.check_role("overlord")
    assert rules.check_jurisdiction("us") == "US"
    with pytest.raises(ValueError, match="alpha-2"):
        rules.check_jurisdiction("USA")
    with pytest.raises(ValueError, match="14 characters"):
        rules.check_new_password("short-one")


def test_create_user_hashes_the_password_and_refuses_duplicates(state: AppState) -> None:
    add_user(state, "ana", jurisdiction="de")
    with state.db.sessions() as session:
        user = by_username(session, "ana")
        assert user is not None and user.jurisdiction == "DE"
        assert STAFF_PASSWORD not in user.password_hash
        assert verify_password(STAFF_PASSWORD, user.password_hash)
    with pytest.raises(UserExists), state.db.transaction() as session:
        create_user(session, UserCreate(username="ana", role="analyst", organisation="X",
                                        jurisdiction="US", password=STAFF_PASSWORD),
                    Actor("test"))


def test_staff_routes_need_a_staff_login_and_the_right_role(
        state: AppState, server: LiveServer, http: httpx.Client) -> None:
    add_user(state, "ana")
    add_user(state, "agent", role="agency")
    reporter = add_reporter(state, "platform-a")
    url = f"{server.url}/api/v1/worklist"
    assert http.get(url).status_code == 401
    assert http.get(url, auth=("ana", "wrong-password-123")).status_code == 401
    assert http.get(url, auth=reporter).status_code == 401  # a reporter is not staff
    forbidden = http.get(url, auth=("agent", STAFF_PASSWORD))
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["type"] == "not_authorised"
    assert http.get(url, auth=("ana", STAFF_PASSWORD)).status_code == 200
