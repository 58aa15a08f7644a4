"""The command line treats people kindly: a user error is one line on stderr and a non-zero
exit, never a traceback; `serve` says where it listens and logs each request; tables are not
wrapped when the output is not a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tipline.cli import app
from tipline.settings import Settings

from support import free_port

runner = CliRunner()
TIPLINE = str(Path(sys.executable).with_name("tipline"))


def refused(*args: str, status: int | None = None) -> str:
    """Run the command in-process; it must fail with one line and no traceback."""
    result = runner.invoke(app, list(args))
    text = result.output
    assert result.exit_code != 0, text
    if status is not None:
        assert result.exit_code == status, text
    assert "Traceback" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("error: "), text
    return lines[0]


def test_submit_to_a_server_that_is_down(cli_env: None, tmp_path: Path) -> None:
    document = tmp_path / "report.json"
    document.write_text('{"incidentSummary": {}}')
    line = refused("submit", str(document), "--username", "someone", "--password",
                   "a-password-long", "--url", f"http://127.0.0.1:{free_port()}", status=3)
    assert "cannot reach" in line and "is the server running" in line


def test_submit_a_file_that_is_neither_xml_nor_json(cli_env: None, tmp_path: Path) -> None:
    document = tmp_path / "notes.txt"
    document.write_text("this is not a report\n")
    line = refused("submit", str(document), "--username", "u", "--password", "p", status=2)
    assert "neither XML nor JSON" in line
    missing = refused("submit", str(tmp_path / "nope.json"), "--username", "u",
                      "--password", "p", status=2)
    assert "does not exist" in missing


@pytest.mark.parametrize(("args", "expected"), [
    (["worklist", "--level", "X"], "'X' is not a level of the triage policy; one of P1"),
    (["deliveries", "list", "--status", "lost"], "'lost' is not one of pending"),
    (["alerts", "list", "--kind", "odd"], "'odd' is not one of unroutable"),
    (["scan", ".", "--format", "xml"], "'xml' is not one of csv, json"),
    (["banks", "create", "b", "--kind", "odd"], "'odd' is not one of positive, negative"),
    (["banks", "export", "b", "out.x", "--format", "odd"], "'odd' is not one of vics"),
])
def test_options_with_a_fixed_set_of_values_refuse_others(cli_env: None, args: list[str],
                                                          expected: str) -> None:
    assert expected in refused(*args, status=2)


def test_retrying_a_delivery_that_does_not_exist(cli_env: None, settings: Settings) -> None:
    line = refused("deliveries", "retry", "999", status=1)
    assert line == "error: delivery 999 does not exist"


def test_a_short_password_is_told_without_pydantic_links(cli_env: None) -> None:
    line = refused("reporters", "add", "Example", "--username", "example", "--password",
                   "short", status=2)
    assert "password: String should have at least 12 characters" in line
    assert "pydantic" not in line and "http" not in line


def test_a_database_without_schema_says_what_to_run(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.setenv("TIPLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    line = refused("reporters", "list", status=3)
    assert "tipline db upgrade" in line


def _environment(settings: Settings) -> dict[str, str]:
    return {**os.environ, "TIPLINE_DATABASE_URL": settings.resolved_database_url,
            "TIPLINE_DATA_DIR": str(settings.data_dir), "TIPLINE_ENVIRONMENT": "test",
            "TIPLINE_EVIDENCE_KEY": settings.evidence_key,
            "TIPLINE_SECRET_KEY": settings.secret_key}


def test_a_real_process_prints_no_traceback(settings: Settings, tmp_path: Path) -> None:
    """The installed `tipline` command, not only Typer's runner."""
    document = tmp_path / "notes.txt"
    document.write_text("neither\n")
    done = subprocess.run([TIPLINE, "submit", str(document), "--username", "u", "--password",
                           "p"], capture_output=True, text=True, env=_environment(settings),
                          timeout=120, check=False)
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1


def test_serve_says_where_it_listens_and_logs_requests(settings: Settings,
                                                       tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([TIPLINE, "serve", "--port", str(port)], stdout=out,
                                   stderr=subprocess.STDOUT, env=_environment(settings))
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        httpx.get(f"{url}/api/v1/no-such-route", timeout=5)
        deadline = time.monotonic() + 60
        while "no-such-route" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=60)
    text = log.read_text()
    assert f"serving on {url}" in text
    assert "GET /healthz" in text and "GET /api/v1/no-such-route" in text and "404" in text


def test_tables_are_not_wrapped_in_a_log_file(cli_env: None, settings: Settings,
                                              tmp_path: Path) -> None:
    env = {**_environment(settings), "COLUMNS": "40"}
    subprocess.run([TIPLINE, "agencies", "import"], env=env, check=True, timeout=120,
                   capture_output=True)
    with (tmp_path / "agencies.log").open("w") as out:
        subprocess.run([TIPLINE, "agencies", "list"], env=env, check=True, timeout=120,
                       stdout=out)
    lines = (tmp_path / "agencies.log").read_text().splitlines()
    row = next(line for line in lines if "SE-NOA" in line)
    assert "EUROPOL -> SE-NOA" in row and "pull" in row  # one row, one line
    assert "\x1b[" not in "".join(lines)  # no colour codes in a file
