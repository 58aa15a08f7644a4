"""The transparency report over a fixed data set matches the stored expected output (JSON
and CSV), on SQLite and PostgreSQL alike; the HTML is byte-identical from run to run, with
charts drawn on the server and nothing from another origin."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tipline.cli import app
from tipline.db import utcnow
from tipline.state import AppState
from tipline.transparency import period, usecases
from transparency_data import FIRST, LAST, build

EXPECTED = Path(__file__).parent / "expected"
# Set to rewrite the stored outputs after an intended change (then review the diff).
REWRITE = os.environ.get("TIPLINE_REWRITE_EXPECTED") == "1"
runner = CliRunner()


def _render(state: AppState, fmt: str) -> bytes:
    return usecases.render_report(state.db, None, period.parse(FIRST, LAST, utcnow().date()),
                                  fmt)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_report_of_a_fixed_data_set_matches_the_stored_one(state: AppState,
                                                               fmt: str) -> None:
    build(state)
    found = _render(state, fmt)
    stored = EXPECTED / f"transparency.{fmt}"
    if REWRITE:
        stored.write_bytes(found)
    assert found == stored.read_bytes()


def test_the_figures_are_those_of_the_data(state: AppState) -> None:
    build(state)
    doc = json.loads(_render(state, "json"))
    values = {m["id"]: {v["label"]: v["value"] for v in m["values"]} for m in doc["metrics"]}
    assert values["reports"] == {"": 27}  # the April and the retracted reports do not count
    assert values["reports_by_reporter"] == {"Platform A": 14, "Hotline B": 10,
                                             "Tiny C": "<10"}
    assert values["cases"] == {"": 18}
    assert values["reports_per_case"] == {"1 report": 10, "2 to 4 reports": "<10",
                                          "5 to 9 reports": 0, "10 or more reports": 0}
    assert values["known_material"] == {"known": 12, "new": 15}
    assert values["takedown"] == {"": "not available"}
    assert values["outcomes"] == {"under investigation": 19, "not actionable": "<10"}
    assert values["time_to_desk_hours"]["reports acknowledged"] == 19
    assert re.fullmatch(r"[0-9a-f]{64}", doc["inputs_sha256"])
    assert all(m["definition"] for m in doc["metrics"])


def test_the_html_is_byte_identical_with_server_drawn_charts(state: AppState) -> None:
    build(state)
    first, second = _render(state, "html"), _render(state, "html")
    assert first == second
    html = first.decode()
    assert html.count('<img src="data:image/svg+xml;base64,') >= 8
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from elsewhere
    assert "not available" in html and "Definition:" in html


@pytest.mark.usefixtures("cli_env")
def test_the_command_writes_the_same_bytes(state: AppState, tmp_path: Path) -> None:
    build(state)
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["report", "transparency", "--from", FIRST, "--to", LAST,
                                 "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (EXPECTED / "transparency.json").read_bytes()
    bad = runner.invoke(app, ["report", "transparency", "--from", LAST, "--to", FIRST])
    assert bad.exit_code != 0 and "starts" in bad.output


def test_a_held_outcome_counts_from_its_date(state: AppState) -> None:
    build(state)
    later = usecases.build_report(state.db, None, period.parse(
        "2026-03-01", (utcnow() + dt.timedelta(days=400)).date().isoformat(),
        utcnow().date()))
    outcomes = next(m for m in later.metrics if m.id == "outcomes")
    assert "arrest" not in dict(outcomes.rows)  # held until 2027: not yet, as of now
