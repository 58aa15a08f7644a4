"""The demo's logins (both databases): one per role, each able to log in, the agency user
on a demo agency and the reporter user on a demo platform; the closing panel prints them with
the web UI's URL; `tipline demo` takes its port from TIPLINE_PORT."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tipline import cli
from tipline.credentials import CredentialCache
from tipline.demo import display, runner
from tipline.demo.agencies import AGENCIES, INBOX_AGENCIES
from tipline.demo.seed import LOGINS, ensure_staff
from tipline.demo.stream import REPORTERS
from tipline.reporters.schemas import ReporterCreate
from tipline.reporters.service import create_reporter
from tipline.state import AppState
from tipline.users.models import ROLES
from tipline.users.usecases import login


def test_the_demo_has_a_login_for_every_role(state: AppState) -> None:
    assert {entry.role for entry in LOGINS} == set(ROLES)
    agencies = {entry.organisation for entry in LOGINS if entry.role == "agency"}
    reporter = next(entry for entry in LOGINS if entry.role == "reporter")
    assert agencies <= {a.code for a in AGENCIES}
    # One agency login works in the inbox (acknowledging by hand), one behind a webhook desk.
    assert agencies & INBOX_AGENCIES and agencies - INBOX_AGENCIES
    assert reporter.organisation in {r.username for r in REPORTERS}
    with state.db.transaction() as session:
        create_reporter(session, ReporterCreate(name="PhotoShare (demo)", kind="platform",
                                                country="US", username=reporter.organisation,
                                                password="a-long-enough-password"), runner.DEMO)
        assert ensure_staff(session)
    with state.db.transaction() as session:
        assert not ensure_staff(session)  # a second run keeps them
    for entry in LOGINS:
        user = login(state.db, entry.username, entry.password, CredentialCache(0))
        assert user is not None and user.role == entry.role, entry


def test_the_closing_panel_prints_the_ui_and_every_login() -> None:
    out = io.StringIO()
    display.closing(Console(file=out, width=200), "http://127.0.0.1:8123", "log", True)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/login" in text
    for entry in LOGINS:
        assert f"{entry.username} / {entry.password}" in text


def test_a_stopped_demo_server_is_not_advertised() -> None:
    """With --no-keep-running the server is gone when the panel prints: no URL to follow."""
    out = io.StringIO()
    display.closing(Console(file=out, width=200), "http://127.0.0.1:8123", "log", False)
    text = out.getvalue()
    assert "http://127.0.0.1:8123" not in text and "stopped" in text
    assert "tipline serve" in text
    for entry in LOGINS:  # they work again with `tipline serve` on the same data
        assert f"{entry.username} / {entry.password}" in text


def test_tipline_demo_listens_on_tipline_port(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, int] = {}

    def fake_run_demo(_settings: object, **kwargs: int) -> None:
        seen["port"] = kwargs["port"]

    monkeypatch.setattr(runner, "run_demo", fake_run_demo)
    monkeypatch.setenv("TIPLINE_PORT", "8765")
    result = CliRunner().invoke(cli.app, ["demo", "--reports", "1"])
    assert result.exit_code == 0, result.output
    assert seen == {"port": 8765}
    CliRunner().invoke(cli.app, ["demo", "--port", "8999"])
    assert seen == {"port": 8999}
