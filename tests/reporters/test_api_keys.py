"""Reporter organisations' API keys over HTTP (both databases): a key works besides HTTP basic,
only within its scopes, until it expires or is revoked; only its hash is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import httpx
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from staff_support import STAFF_PASSWORD, add_user
from tipline.audit.service import Actor
from tipline.cli import app
from tipline.reporters import usecases
from tipline.reporters.apikeys import ApiKeyRefused
from tipline.reporters.models import ApiKey
from tipline.state import AppState

from support import LiveServer, add_reporter

ADMIN = Actor("test")


def _key(state: AppState, scopes: list[str], reporter: str = "platform-a") -> str:
    return usecases.add_key(state.db, None, ADMIN, reporter, "robot", scopes, 30, 365).key


def _status(http: httpx.Client, server: LiveServer, key: str, path: str = "/api/v1/reports"
            ) -> int:
    return http.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {key}"}
                    ).status_code


def test_a_key_works_within_its_scope_until_revoked(state: AppState, server: LiveServer,
                                                      http: httpx.Client) -> None:
    add_reporter(state, "platform-a")
    key = _key(state, ["report"])
    assert _status(http, server, key) == 200
    assert _status(http, server, key, "/ispws/status?id=1") != 401
    match = http.post(f"{server.url}/api/v1/match/hashes", json={"hashes": []},
                      headers={"Authorization": f"Bearer {key}"})
    assert match.status_code == 403 and "scope 'match'" in match.json()["error"]["message"]
    assert _status(http, server, key[:-2] + "xx") == 401  # one character off
    assert _status(http, server, "tl_nothing_here") == 401
    [row] = usecases.list_keys(state.db, None, "platform-a")
    assert row.state(dt.datetime.now(dt.UTC)) == "active"
    usecases.revoke_key(state.db, None, ADMIN, row.id)
    assert _status(http, server, key) == 401
    with state.db.sessions() as session:
        stored = session.scalars(select(ApiKey)).one()
        assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in (stored.prefix, stored.key_hash, stored.name)


def test_an_expired_key_or_an_inactive_reporter_is_refused(
        state: AppState, server: LiveServer, http: httpx.Client) -> None:
    add_reporter(state, "platform-a")
    key = _key(state, ["report", "match"])
    assert _status(http, server, key) == 200
    with state.db.transaction() as session:
        session.execute(update(ApiKey).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert _status(http, server, key) == 401


@pytest.mark.parametrize("scopes, days, reason", [
    ([], 30, "scopes"), (["admin"], 30, "unknown: admin"), (["report"], 0, "1 to 365"),
    (["report"], 366, "1 to 365")])
def test_a_key_outside_the_rules_is_refused(state: AppState, scopes: list[str], days: int,
                                             reason: str) -> None:
    add_reporter(state, "platform-a")
    with pytest.raises(ApiKeyRefused, match=reason):
        usecases.add_key(state.db, None, ADMIN, "platform-a", "robot", scopes, days, 365)


def test_the_cli_makes_lists_and_revokes_keys(cli_env: None, state: AppState) -> None:
    add_reporter(state, "platform-a")
    runner = CliRunner()
    made = runner.invoke(app, ["reporters", "key-add", "platform-a", "--name", "robot",
                               "--scope", "report", "--scope", "match", "--days", "7"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("tl_")
    listed = runner.invoke(app, ["reporters", "key-list"])
    assert "platform-a" in listed.output and "active" in listed.output and key not in (
        listed.output)
    assert runner.invoke(app, ["reporters", "key-revoke", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["reporters", "key-list"]).output
    assert runner.invoke(app, ["reporters", "key-add", "nobody", "--name", "x"]).exit_code == 2


def test_the_admin_page_makes_shows_once_and_revokes_a_key(
        state: AppState, server: LiveServer) -> None:
    add_reporter(state, "platform-a")
    add_user(state, "ada", role="admin")
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=60) as page:
        def csrf() -> str:
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/login").text)
            assert found is not None
            return found.group(1)

        assert page.post("/login", data={"username": "ada", "password": STAFF_PASSWORD,
                                          "csrf_token": csrf()}).status_code == 303
        made = page.post("/admin/api-keys", data={
            "reporter": "platform-a", "name": "robot", "scopes": ["report"], "days": "30",
            "csrf_token": csrf()})
        assert made.status_code == 201
        key = re.search(r'value="(tl_[^"]+)"', made.text)
        assert key is not None
        assert _status(httpx.Client(), server, key.group(1)) == 200
        listed = page.get("/admin/api-keys").text
        assert "robot" in listed and key.group(1) not in listed  # shown once only
        [row] = usecases.list_keys(state.db, None)
        assert page.post(f"/admin/api-keys/{row.id}/revoke", data={"csrf_token": csrf()}
                         ).status_code == 303
        assert _status(httpx.Client(), server, key.group(1)) == 401
        refused = page.post("/admin/api-keys", data={
            "reporter": "platform-a", "name": "robot", "days": "30", "csrf_token": csrf()})
        assert refused.status_code == 400 and "scopes" in refused.text
