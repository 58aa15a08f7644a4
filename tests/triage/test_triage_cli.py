"""`tipline users add`, `tipline worklist` and `tipline triage check-policy` via Typer's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tipline.cases.models import Case
from tipline.cli import app
from tipline.state import AppState
from tipline.users.store import by_username

runner = CliRunner()




@pytest.mark.usefixtures("cli_env")
def test_users_add_and_worklist(state: AppState) -> None:
    result = runner.invoke(app, ["users", "add", "ana", "--role", "analyst", "--organisation",
                                 "Hotline", "--jurisdiction", "se", "--password",
                                 "a-long-staff-password-42"])
    assert result.exit_code == 0, result.output
    with state.db.sessions() as session:
        user = by_username(session, "ana")
        assert user is not None and user.jurisdiction == "SE"
    bad = runner.invoke(app, ["users", "add", "bob", "--role", "overlord", "--organisation",
                              "X", "--jurisdiction", "US", "--password", "x" * 20])
    assert bad.exit_code == 2 and "unknown role" in bad.output
    with state.db.transaction() as session:
        session.add(Case(status="open", priority_level="P1", priority_score=120,
                         priority_reasons=[{"reason": "sextortion now", "points": 50}]))
    listed = runner.invoke(app, ["worklist"])
    assert listed.exit_code == 0 and "P1" in listed.output and "sextortion now" in listed.output


def test_check_policy_reports_errors(tmp_path: Path) -> None:
    assert runner.invoke(app, ["triage", "check-policy"]).exit_code == 0
    broken = tmp_path / "policy.toml"
    broken.write_text('name = "x"\nversion = 1\n')
    result = runner.invoke(app, ["triage", "check-policy", str(broken)])
    assert result.exit_code == 2 and "levels" in result.output
