"""URLs of reports become first-class objects: normalised, deduplicated, each with its
reports, cases and history; taken in by the takedown worker after intake wrote them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from linking_support import ACTOR, login, processed
from routing_support import new_case, report
from takedown_support import Clock
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import usecases
from tipline.reports.models import Identifier
from tipline.reports.service import Document
from tipline.state import AppState
from tipline.takedown import service, store
from tipline.takedown import worker as worker_module
from tipline.takedown.models import TakedownUrl, UrlSighting
from tipline.takedown.schemas import ProviderIn
from tipline.takedown.worker import TakedownWorker

from factories import report_doc


def test_spellings_of_one_url_in_many_reports_are_one_url(
        state: AppState, worker: TakedownWorker) -> None:
    login(state, "platform-a")
    first = report(state, "platform-a", urls=["https://Files.Example.test/a?utm_source=x",
                                              "ftp://files.example.test/nope"])
    second = report(state, "platform-a", urls=["https://files.example.test:443/a#top"])
    case_id = new_case(state, first, second)
    assert worker.take_in()
    assert not worker.take_in()  # everything taken in once
    with state.db.sessions() as session:
        rows = {u.url: u for u in session.scalars(select(TakedownUrl))}
        assert set(rows) == {"https://files.example.test/a", "ftp://files.example.test/nope"}
        one = rows["https://files.example.test/a"]
        assert [s.report_id for s in store.sightings(session, one.id)] == [first, second]
        assert [c.id for c in store.cases_of(session, [one.id])[one.id]] == [case_id]
        assert [e.kind for e in store.events(session, one.id)] == ["seen", "seen"]
        refused = rows["ftp://files.example.test/nope"]
        assert refused.refusal and "only http and https" in refused.refusal


def test_web_page_incidents_of_a_submitted_report_are_taken_in(
        state: AppState, worker: TakedownWorker, clock: Clock) -> None:
    reporter = login(state, "platform-a")
    doc = report_doc(internetDetails=[{"webPageIncident": {
        "url": ["https://files.example.test/a/1", "http://10.0.0.7/x"]}}])
    report_id = _submit(state, reporter, doc)
    processed(state, report_id)
    worker.run_until_idle()
    with state.db.sessions() as session:
        urls = {u.url: u.refusal for u in session.scalars(select(TakedownUrl))}
        sightings = session.scalar(select(func.count()).select_from(UrlSighting))
    assert urls == {"https://files.example.test/a/1": None,
                    "http://10.0.0.7/x": "a private or reserved address"}
    assert sightings == 2


def test_hosts_are_placed_with_the_provider_of_the_registry(
        state: AppState, worker: TakedownWorker) -> None:
    login(state, "platform-a")
    report(state, "platform-a", urls=["http://host.test/x", "http://nowhere.test/y"])
    with state.db.transaction() as session:
        service.add_provider(session, ProviderIn(name="Loop Hosting", ranges=["127.0.0.0/8"],
                                                 contact="abuse@loop.test"))
    worker.run_until_idle()
    with state.db.sessions() as session:
        rows = {u.host: u for u in session.scalars(select(TakedownUrl))}
        assert rows["host.test"].addresses == ["127.0.0.1"]
        assert rows["host.test"].country == "NL"
        assert rows["host.test"].provider_id is not None
        assert rows["nowhere.test"].addresses == [] and rows["nowhere.test"].provider_id is None


def _submit(state: AppState, reporter: AuthenticatedReporter, doc: dict[str, Any]) -> int:
    content = state.schema.to_json(state.schema.from_json(doc, "report"))
    report_id = usecases.submit(state, reporter, Document(
        content, json.dumps(doc).encode(), "application/json"), "json", None, ACTOR).report_id
    usecases.finish(state, reporter, report_id, ACTOR)
    return report_id


def test_identifiers_committed_out_of_order_are_still_taken_in(
        state: AppState, worker: TakedownWorker, monkeypatch: pytest.MonkeyPatch) -> None:
    login(state, "platform-a")
    first = report(state, "platform-a")
    with state.db.transaction() as session:
        session.add(Identifier(id=1000, report_id=first, role="incident", kind="url",
                               value="https://a.test/1"))
    assert worker.take_in() and not worker.take_in()
    with state.db.transaction() as session:  # a late commit with a far lower id
        session.add(Identifier(id=500, report_id=first, role="incident", kind="url",
                               value="https://a.test/late"))
    monkeypatch.setattr(worker_module, "TAKE_IN_WINDOW", 1)
    monkeypatch.setattr(worker_module, "FULL_SWEEP_ROUNDS", 3)
    assert not any([worker.take_in() for _ in range(3)])  # outside the window
    assert worker.take_in()  # the periodic full sweep finds it
    with state.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(UrlSighting)) == 2
