"""Agencies post outcomes (API and signed package); reporters read the shared ones and get
them by signed webhook; a confidential outcome stays hidden until its date."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update

from outcome_support import (
    AGENCY_SECRET,
    ReporterHook,
    add_agency,
    add_case,
    agency_user,
)
from tipline.db import utcnow
from tipline.delivery.rules import sign
from tipline.outcomes.models import Outcome
from tipline.state import AppState
from tipline.workqueue.items import ITEMS

from support import LiveServer


@pytest.fixture
def routed(state: AppState, reporter: tuple[str, str]) -> dict[str, int]:
    agency_id = add_agency(state, "DE-BKA")
    add_agency(state, "FR-OFMIN")
    case_id, reports = add_case(state, reporter[0], reports=2, agency_id=agency_id)
    other_case, _ = add_case(state, reporter[0])  # routed to nobody
    return {"case": case_id, "report": reports[0], "second": reports[1], "other": other_case}


@pytest.fixture
def hook() -> Iterator[ReporterHook]:
    receiver = ReporterHook().start()
    yield receiver
    receiver.stop()


def _post(http: httpx.Client, server: LiveServer, auth: tuple[str, str],
          **body: object) -> httpx.Response:
    return http.post(f"{server.url}/api/v1/agencies/me/outcomes", json=body, auth=auth)


def test_agency_posts_outcomes_only_for_cases_it_was_sent(
        state: AppState, server: LiveServer, http: httpx.Client,
        routed: dict[str, int]) -> None:
    bka = agency_user(state, "bka-desk", "DE-BKA")
    ok = _post(http, server, bka, case_id=routed["case"], outcome="under_investigation")
    assert ok.status_code == 201, ok.text
    assert ok.json()["coarse"] == "actioned"
    assert ok.json()["vocabulary"] == "tipline.outcomes/1"
    never_sent = _post(http, server, bka, case_id=routed["other"], outcome="arrest")
    assert never_sent.status_code == 404
    other_agency = agency_user(state, "ofmin-desk", "FR-OFMIN")
    assert _post(http, server, other_agency, case_id=routed["case"],
                 outcome="arrest").status_code == 404
    assert _post(http, server, bka, case_id=routed["case"], outcome="jailed").status_code == 400
    no_reason = _post(http, server, bka, case_id=routed["case"], outcome="not_actionable")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["message"]
    foreign_report = _post(http, server, bka, case_id=routed["case"], outcome="received",
                           report_id=routed["other"] + 1000)
    assert foreign_report.status_code == 404
    mine = http.get(f"{server.url}/api/v1/agencies/me/outcomes", auth=bka).json()["outcomes"]
    assert [o["outcome"] for o in mine] == ["under_investigation"]


def test_a_reference_records_an_outcome_once(state: AppState, server: LiveServer,
                                             http: httpx.Client,
                                             routed: dict[str, int]) -> None:
    bka = agency_user(state, "bka-desk", "DE-BKA")
    body = {"case_id": routed["case"], "outcome": "not_actionable",
            "reason": "data_expired", "reference": "BKA-2026-1"}
    first = _post(http, server, bka, **body)
    again = _post(http, server, bka, **body)
    assert first.status_code == again.status_code == 201
    assert first.json()["outcome_id"] == again.json()["outcome_id"]
    changed = _post(http, server, bka, **{**body, "reason": "duplicate"})
    assert changed.status_code == 409


def _signed(body: bytes, secret: str = AGENCY_SECRET) -> dict[str, str]:
    return {"X-Tipline-Signature": sign(secret, int(time.time()), body),
            "Content-Type": "application/json"}


def test_signed_package_records_all_or_nothing(state: AppState, server: LiveServer,
                                               http: httpx.Client,
                                               routed: dict[str, int]) -> None:
    url = f"{server.url}/api/v1/agencies/DE-BKA/outcomes/package"
    package = {"format": "tipline.outcome-package/1", "agency": "DE-BKA", "outcomes": [
        {"case_id": routed["case"], "outcome": "received", "reference": "p-1"},
        {"case_id": routed["case"], "report_id": routed["report"], "outcome": "arrest",
         "reference": "p-2"}]}
    body = json.dumps(package).encode()
    assert http.post(url, content=body, headers=_signed(body, "wrong")).status_code == 403
    assert http.post(url.replace("DE-BKA", "XX-NONE"), content=body,
                     headers=_signed(body)).status_code == 403
    done = http.post(url, content=body, headers=_signed(body))
    assert done.status_code == 201, done.text
    assert [o["via"] for o in done.json()["outcomes"]] == ["package", "package"]
    resent = http.post(url, content=body, headers=_signed(body))
    assert [o["outcome_id"] for o in resent.json()["outcomes"]] == [
        o["outcome_id"] for o in done.json()["outcomes"]]
    bad = {**package, "outcomes": [*package["outcomes"],  # type: ignore[list-item]
                                   {"case_id": routed["other"], "outcome": "arrest",
                                    "reference": "p-3"}]}
    raw = json.dumps(bad).encode()
    assert http.post(url, content=raw, headers=_signed(raw)).status_code == 404
    with state.db.sessions() as session:
        assert session.query(Outcome).count() == 2  # nothing of the refused package


def _reporter_sees(http: httpx.Client, server: LiveServer,
                   reporter: tuple[str, str]) -> list[tuple[int, str]]:
    found = http.get(f"{server.url}/api/v1/reporters/me/outcomes", auth=reporter)
    assert found.status_code == 200, found.text
    return sorted((o["report_id"], o["outcome"]) for o in found.json()["outcomes"])


def test_outcomes_reach_the_reporter_and_its_webhook_held_ones_at_their_date(
        state: AppState, server: LiveServer, http: httpx.Client, reporter: tuple[str, str],
        routed: dict[str, int], hook: ReporterHook) -> None:
    set_hook = http.put(f"{server.url}/api/v1/reporters/me/outcome-webhook", auth=reporter,
                        json={"url": hook.url, "secret": hook.secret})
    assert set_hook.status_code == 200, set_hook.text
    bka = agency_user(state, "bka-desk", "DE-BKA")
    assert _post(http, server, bka, case_id=routed["case"], report_id=routed["report"],
                 outcome="charged").status_code == 201
    held = _post(http, server, bka, case_id=routed["case"], outcome="suspect_identified",
                 held_until=(utcnow() + dt.timedelta(days=30)).isoformat())
    assert held.status_code == 201
    assert _reporter_sees(http, server, reporter) == [(routed["report"], "charged")]
    state.items.run_until_idle()
    assert [(n["outcome"], n["reports"]) for n in hook.notices] == [
        ("charged", [routed["report"]])]
    assert "note" not in hook.notices[0] and hook.bad_signatures == 0
    status = http.get(f"{server.url}/api/v1/reporters/me/reports/{routed['second']}/"
                      "outcome-status", auth=reporter).json()
    assert status["status"] == "pending"

    # The confidential date comes: the outcome is shared and its notice goes out.
    past = utcnow() - dt.timedelta(seconds=1)
    with state.db.transaction() as session:
        session.execute(update(Outcome).where(Outcome.id == held.json()["outcome_id"])
                        .values(held_until=past))
        session.execute(update(ITEMS).where(ITEMS.c.status == "queued")
                        .values(available_at=past))
    state.items.run_until_idle()
    assert sorted(n["outcome"] for n in hook.notices) == ["charged", "suspect_identified"]
    assert _reporter_sees(http, server, reporter) == sorted([
        (routed["report"], "charged"), (routed["report"], "suspect_identified"),
        (routed["second"], "suspect_identified")])
    status = http.get(f"{server.url}/api/v1/reporters/me/reports/{routed['second']}/"
                      "outcome-status", auth=reporter).json()
    assert status["status"] == "actioned"


def test_vocabulary_is_published(server: LiveServer, http: httpx.Client) -> None:
    found = http.get(f"{server.url}/api/v1/outcomes/vocabulary").json()
    assert found["version"] == 1
    assert "victim_safeguarded" in {o["code"] for o in found["outcomes"]}
    assert "not_illegal" in {r["code"] for r in found["reasons"]}
