"""Page sessions end server-side (logout, deactivation: a copied cookie is worth nothing
after), and the optional TOTP second factor (RFC 6238) on the login page and HTTP basic."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

import httpx
from typer.testing import CliRunner

from staff_support import STAFF_PASSWORD, add_user
from tipline.audit.service import Actor
from tipline.cli import app
from tipline.state import AppState
from tipline.users import totp
from tipline.users.service import StaffUser, staff_user
from tipline.users.store import by_username
from tipline.users.usecases import second_factor, set_user_active

from support import LiveServer

# RFC 4226 appendix D: the ASCII secret "12345678901234567890" (base32 below).
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_HOTP = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489"]


def test_hotp_and_totp_match_the_rfc_test_vectors() -> None:
    assert [totp.hotp(RFC_SECRET, n) for n in range(10)] == RFC_HOTP
    # RFC 6238 appendix B (SHA-1), last six of the eight digits: T=59 -> 94287082.
    assert totp.totp(RFC_SECRET, at=59) == "287082"
    assert totp.totp(RFC_SECRET, at=1111111109) == "081804"  # 07081804
    assert totp.verify(RFC_SECRET, "287082", at=59 + 30)  # one step of drift either side
    assert not totp.verify(RFC_SECRET, "287082", at=59 + 90)
    assert not totp.verify(RFC_SECRET, "28708", at=59)
    assert len(totp.new_secret()) == 32 and totp.new_secret() != totp.new_secret()
    assert totp.provisioning_uri(RFC_SECRET, "ana").startswith("otpauth://totp/tipline%3Aana?")


def _csrf(http: httpx.Client, url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{url}/login").text)
    assert found is not None
    return found.group(1)


def _log_in(http: httpx.Client, url: str, username: str, otp: str = "") -> httpx.Response:
    return http.post(f"{url}/login", data={"username": username, "password": STAFF_PASSWORD,
                                           "otp": otp, "csrf_token": _csrf(http, url)})


def _client() -> httpx.Client:
    return httpx.Client(follow_redirects=False, timeout=60)


def test_logout_ends_the_session_server_side(state: AppState, server: LiveServer) -> None:
    add_user(state, "ana")
    with _client() as http, _client() as thief:
        assert _log_in(http, server.url, "ana").status_code == 303
        assert http.get(f"{server.url}/worklist").status_code == 200
        thief.cookies.update(http.cookies)  # a copy of the cookie, taken before logout
        assert thief.get(f"{server.url}/worklist").status_code == 200
        token = _csrf(http, server.url)
        assert http.post(f"{server.url}/logout", data={"csrf_token": token}
                         ).status_code == 303
        stale = thief.get(f"{server.url}/worklist")
        assert stale.status_code == 303 and stale.headers["location"].startswith("/login")


def _user(state: AppState, username: str) -> StaffUser:
    with state.db.sessions() as session:
        row = by_username(session, username)
        assert row is not None
        return staff_user(row)


def test_deactivation_ends_the_users_sessions(state: AppState, server: LiveServer) -> None:
    add_user(state, "ana")
    add_user(state, "boss", role="admin")
    admin, ana = _user(state, "boss"), _user(state, "ana")
    with _client() as http:
        assert _log_in(http, server.url, "ana").status_code == 303
        set_user_active(state.db, admin, Actor("test"), ana.id, False)
        set_user_active(state.db, admin, Actor("test"), ana.id, True)  # back, not its session
        ended = http.get(f"{server.url}/worklist")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
        assert _log_in(http, server.url, "ana").status_code == 303  # a new login works


def test_a_second_factor_is_needed_once_enrolled(state: AppState, server: LiveServer,
                                                  http: httpx.Client) -> None:
    add_user(state, "ana")
    with _client() as page:
        assert _log_in(page, server.url, "ana").status_code == 303
        secret = second_factor(state.db, Actor("test"), "ana", enrol=True)
        assert secret is not None
        # Enrolling ended the session that had logged in with a password alone.
        assert page.get(f"{server.url}/worklist").status_code == 303
        assert _log_in(page, server.url, "ana").status_code == 401
        assert _log_in(page, server.url, "ana", "000000" if totp.totp(secret) != "000000"
                       else "111111").status_code == 401
        code = totp.totp(secret)
        assert _log_in(page, server.url, "ana", code).status_code == 303
        assert _log_in(page, server.url, "ana", code).status_code == 401  # used: no replay
    api = f"{server.url}/api/v1/worklist"
    assert http.get(api, auth=("ana", STAFF_PASSWORD)).status_code == 401
    # The next step's code (within the drift window) is fresh; used once, it is spent.
    following = {"X-Tipline-OTP": totp.totp(secret, time.time() + totp.STEP_SECONDS)}
    assert http.get(api, auth=("ana", STAFF_PASSWORD), headers=following).status_code == 200
    assert http.get(api, auth=("ana", STAFF_PASSWORD), headers=following).status_code == 401
    second_factor(state.db, Actor("test"), "ana", enrol=False)
    assert http.get(api, auth=("ana", STAFF_PASSWORD)).status_code == 200


def test_the_cli_enrols_and_removes_a_second_factor(cli_env: None, state: AppState) -> None:
    add_user(state, "ana")
    runner = CliRunner()
    enrolled = runner.invoke(app, ["users", "totp-enrol", "ana"])
    assert enrolled.exit_code == 0, enrolled.output
    assert "otpauth://totp/tipline%3Aana?secret=" in enrolled.output
    assert runner.invoke(app, ["users", "totp-remove", "ana"]).exit_code == 0
    assert runner.invoke(app, ["users", "totp-enrol", "nobody"]).exit_code == 2


def test_the_csrf_token_is_an_hmac_under_the_secret_key(state: AppState,
                                                         server: LiveServer) -> None:
    add_user(state, "ana")
    with _client() as http:
        assert _log_in(http, server.url, "ana").status_code == 303
        token = _csrf(http, server.url)
        cookie = http.cookies["tipline_session"]
        payload = json.loads(base64.b64decode(cookie.split(".")[0] + "=="))
        nonce = payload["csrf"]
        key = f"{state.settings.secret_key}:csrf".encode()
        assert token == hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()
        for forged in (nonce, hmac.new(b"another-key", nonce.encode(),
                                       hashlib.sha256).hexdigest()):
            refused = http.post(f"{server.url}/logout", data={"csrf_token": forged})
            assert refused.status_code == 403
        assert http.post(f"{server.url}/logout", data={"csrf_token": token}).status_code == 303
