"""Login throttling: lockout with backoff per account and per address, refused before any
password is hashed, on the login page, staff HTTP basic and reporters' HTTP basic."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from staff_support import STAFF_PASSWORD, add_user
from tipline.reporters import rules as reporter_rules
from tipline.state import AppState
from tipline.users import service as user_service
from tipline.users.throttle import LoginThrottle, LoginThrottled, ThrottlePolicy

from support import PASSWORD, LiveServer, add_reporter

POLICY = ThrottlePolicy(free_per_account=3, free_per_address=5, base_seconds=10,
                        cap_seconds=40)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_account_locks_with_backoff_after_its_free_failures() -> None:
    clock = Clock()
    throttle = LoginThrottle(POLICY, clock)
    for _ in range(2):
        throttle.check("ana", "10.0.0.1")
        throttle.failed("ana", "10.0.0.1")
    throttle.check("ana", "10.0.0.1")  # two failures: still free
    throttle.failed("ana", "10.0.0.1")  # the third: locked for 10 s
    with pytest.raises(LoginThrottled) as locked:
        throttle.check("ana", "10.0.0.2")  # from any address
    assert locked.value.http_status == 429 and locked.value.retry_after == 10
    clock.now += 10
    throttle.check("ana", "10.0.0.2")
    waits = []
    for _ in range(3):  # each further failure doubles the lock, up to the cap
        throttle.failed("ana", "10.0.0.2")
        with pytest.raises(LoginThrottled) as again:
            throttle.check("ana", None)
        waits.append(again.value.retry_after)
        clock.now += again.value.retry_after
    assert waits == [20, 40, 40]
    throttle.succeeded("ana")
    throttle.check("ana", None)
    assert throttle.failures("ana") == 0


def test_an_address_spraying_many_accounts_is_locked() -> None:
    throttle = LoginThrottle(POLICY, Clock())
    for n in range(5):
        throttle.check(f"user-{n}", "10.9.9.9")
        throttle.failed(f"user-{n}", "10.9.9.9")
    with pytest.raises(LoginThrottled, match="address"):
        throttle.check("someone-else", "10.9.9.9")
    throttle.check("someone-else", "10.9.9.8")  # another address is not locked


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Counts password checks (scrypt) of staff and reporters in this process (the live
    server runs in a thread of it)."""
    counted: list[str] = []
    staff_verify, reporter_verify = user_service.verify_password, reporter_rules.verify_password

    def staff(password: str, stored: str) -> bool:
        counted.append("staff")
        return staff_verify(password, stored)

    def reporter(password: str, stored: str) -> bool:
        counted.append("reporter")
        return reporter_verify(password, stored)

    monkeypatch.setattr(user_service, "verify_password", staff)
    monkeypatch.setattr(reporter_rules, "verify_password", reporter)
    yield counted


def _login_form(http: httpx.Client, server: LiveServer, username: str, password: str
                ) -> httpx.Response:
    page = http.get(f"{server.url}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return http.post(f"{server.url}/login", data={"username": username, "password": password,
                                                  "csrf_token": token.group(1)})


def test_the_login_page_locks_an_account_without_hashing(
        state: AppState, server: LiveServer, hashes: list[str]) -> None:
    add_user(state, "ana")
    free = state.settings.login_free_failures_account
    with httpx.Client(follow_redirects=False, timeout=60) as http:
        for _ in range(free):
            assert _login_form(http, server, "ana", "wrong-password-123456").status_code == 401
        spent = len(hashes)
        for password in ("wrong-password-123456", STAFF_PASSWORD):  # even the right one
            locked = _login_form(http, server, "ana", password)
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
            assert "too many failed logins" in locked.text
        assert len(hashes) == spent  # refused before any password check
        assert spent == free


def test_http_basic_of_staff_and_reporters_is_throttled(
        state: AppState, server: LiveServer, http: httpx.Client, hashes: list[str]) -> None:
    add_user(state, "ana")
    add_reporter(state, "platform-a")
    free = state.settings.login_free_failures_account
    for url, username in ((f"{server.url}/api/v1/worklist", "ana"),
                          (f"{server.url}/api/v1/reports", "platform-a")):
        for _ in range(free):
            assert http.get(url, auth=(username, "wrong-password-123456")).status_code == 401
        spent = len(hashes)
        locked = http.get(url, auth=(username, "wrong-password-123456"))
        assert locked.status_code == 429 and locked.json()["error"]["type"] == (
            "too_many_attempts")
        assert len(hashes) == spent
    # Another account from elsewhere is not affected (counts are per account and address).
    add_user(state, "bob")
    assert http.get(f"{server.url}/api/v1/worklist", auth=("bob", STAFF_PASSWORD)
                    ).status_code == 200
    assert http.get(f"{server.url}/api/v1/reports", auth=("platform-a", PASSWORD)
                    ).status_code == 429  # the locked account stays locked, right or not
