"""Scorecards: an outcome posted by an agency reaches its reporter's scorecard (a
confidential one only from its date); the figures compare organisations; CSV and page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import httpx
from sqlalchemy import update

from outcome_support import add_agency, add_case, agency_user
from staff_support import add_user
from tipline.db import utcnow
from tipline.outcomes.models import Outcome
from tipline.reports.models import Report
from tipline.state import AppState

from support import LiveServer, add_reporter

ISSUE = {"code": "missing_ip", "severity": "warning", "path": "x", "message": "m"}


def _cards(http: httpx.Client, server: LiveServer, auth: tuple[str, str]) -> dict[str, dict]:
    found = http.get(f"{server.url}/api/v1/scorecards", auth=auth)
    assert found.status_code == 200, found.text
    return {c["reporter"]: c for c in found.json()["scorecards"]}


def test_outcomes_reach_the_scorecards_held_ones_at_their_date(
        state: AppState, server: LiveServer, http: httpx.Client) -> None:
    add_reporter(state, "good-platform", name="Good Platform")
    add_reporter(state, "thin-platform", name="Thin Platform")
    agency_id = add_agency(state, "DE-BKA")
    good_case, good_reports = add_case(state, "good-platform", reports=2, agency_id=agency_id)
    thin_case, thin_reports = add_case(state, "thin-platform", reports=1, agency_id=agency_id)
    with state.db.transaction() as session:
        session.execute(update(Report).where(Report.id.in_(thin_reports)).values(
            quality_score=40, quality_issues=[ISSUE],
            incident_at=utcnow() - dt.timedelta(hours=50)))
        session.execute(update(Report).where(Report.id.in_(good_reports)).values(
            quality_score=90))
    bka = agency_user(state, "bka-desk", "DE-BKA")
    post = f"{server.url}/api/v1/agencies/me/outcomes"
    assert http.post(post, auth=bka, json={"case_id": good_case,
                                           "outcome": "arrest"}).status_code == 201
    assert http.post(post, auth=bka, json={
        "case_id": thin_case, "outcome": "not_actionable", "reason": "insufficient_information",
        "held_until": (utcnow() + dt.timedelta(days=5)).isoformat()}).status_code == 201

    analyst = add_user(state, "analyst-1")
    cards = _cards(http, server, analyst)
    assert cards["Good Platform"]["actionable_pct"] == 100.0
    assert cards["Good Platform"]["decided"] == 2
    assert cards["Good Platform"]["folded_into_cases_pct"] == 100.0
    assert cards["Good Platform"]["quality_mean"] == 90.0
    thin = cards["Thin Platform"]
    assert thin["decided"] == 0 and thin["actionable_pct"] is None  # held: not yet
    assert thin["common_issues"] == [["missing_ip", 1]]
    assert 49 < thin["incident_to_report_hours_p50"] < 51

    with state.db.transaction() as session:
        session.execute(update(Outcome).values(held_until=None).where(
            Outcome.case_id == thin_case))
    thin = _cards(http, server, analyst)["Thin Platform"]
    assert thin["decided"] == 1 and thin["actionable_pct"] == 0.0
    assert thin["not_actionable_reasons"] == [["insufficient_information", 1]]

    rows = list(csv.DictReader(io.StringIO(http.get(
        f"{server.url}/api/v1/scorecards.csv", auth=analyst).text)))
    assert [(r["reporter"], r["actionable_pct"]) for r in rows] == [
        ("Good Platform", "100.0"), ("Thin Platform", "0.0")]
    assert rows[1]["top_not_actionable_reason"] == "insufficient_information"

    assert http.get(f"{server.url}/api/v1/scorecards", auth=bka).status_code == 403
    assert http.get(f"{server.url}/api/v1/scorecards?from=2026-02-30",
                    auth=analyst).status_code == 400
