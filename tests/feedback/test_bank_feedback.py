"""Feedback to hash lists: analysts' reviews and agencies' outcomes of matched files become
confirmations or disputes of the entries; exported per contributor, each format reads back;
disputed entries appear in the consistency report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets

import httpx
import pytest
from sqlalchemy import select

from outcome_support import add_agency, add_case, agency_user
from staff_support import add_user
from tipline.banks.formats import hma
from tipline.banks.models import Bank, BankEntry, BankSignal, Provenance
from tipline.banks.views import usecases as bank_views
from tipline.classification.models import MediaFact
from tipline.db import utcnow
from tipline.feedback import exports, usecases
from tipline.matching.models import FileMatch
from tipline.reports.models import ReportFile
from tipline.state import AppState
from tipline.users.service import StaffUser

from support import LiveServer

ESP = "Example ESP (NCMEC member 42)"


def _entry(state: AppState, item: str, signal_type: str, value: str) -> int:
    with state.db.transaction() as session:
        bank = session.scalar(select(Bank).where(Bank.name == "ncmec-list"))
        if bank is None:
            bank = Bank(name="ncmec-list")
            session.add(bank)
            session.flush()
        signal = BankSignal(signal_type=signal_type, value=value)
        session.add(signal)
        session.flush()
        entry = BankEntry(bank_id=bank.id, signal_id=signal.id)
        session.add(entry)
        session.flush()
        session.add(Provenance(entry_id=entry.id, contributor=ESP, source_list="ncmec",
                               item=item, content_type="image"))
        return entry.id


def _match(state: AppState, report_id: int, entry_id: int, review: tuple[str, str] | None
           ) -> None:
    with state.db.transaction() as session:
        file_id = session.scalar(select(ReportFile.id).where(ReportFile.report_id == report_id))
        entry = session.get(BankEntry, entry_id)
        assert file_id is not None and entry is not None
        session.add(FileMatch(report_id=report_id, file_id=file_id, bank_id=entry.bank_id,
                              entry_id=entry_id, signal_type="pdq", query_label="original",
                              distance=0))
        if review:
            session.add(MediaFact(file_id=file_id, source="analyst", source_ref="analyst-1",
                                  age_band=review[0], activity=review[1], nature="real"))


@pytest.fixture
def matched(state: AppState, server: LiveServer, http: httpx.Client,
            reporter: tuple[str, str]) -> dict[str, int]:
    agency_id = add_agency(state, "DE-BKA")
    cases = {}
    for name in ("confirmed", "disputed", "contested"):
        case_id, (report_id,) = add_case(state, reporter[0], agency_id=agency_id, files=1)
        cases[name] = case_id
        cases[f"{name}-report"] = report_id
    entries = {"confirmed": _entry(state, "e1", "pdq", secrets.token_hex(32)),
               "disputed": _entry(state, "e2", "md5", secrets.token_hex(16)),
               "contested": _entry(state, "e3", "pdq", secrets.token_hex(32))}
    _match(state, cases["confirmed-report"], entries["confirmed"], None)
    _match(state, cases["disputed-report"], entries["disputed"], ("adult", "sexual_act"))
    _match(state, cases["contested-report"], entries["contested"],
           ("prepubescent", "sexual_act"))
    bka = agency_user(state, "bka-desk", "DE-BKA")
    post = f"{server.url}/api/v1/agencies/me/outcomes"
    for body in ({"case_id": cases["confirmed"], "outcome": "arrest"},
                 {"case_id": cases["contested"], "outcome": "not_actionable",
                  "reason": "not_illegal"},
                 # Held: says nothing to the hash lists before its date.
                 {"case_id": cases["disputed"], "outcome": "convicted",
                  "held_until": (utcnow() + dt.timedelta(days=9)).isoformat()}):
        assert http.post(post, auth=bka, json=body).status_code == 201
    return entries


def test_votes_and_opinions_round_trip_through_their_formats(
        state: AppState, matched: dict[str, int]) -> None:
    votes = usecases.export(state.db, None, ESP, "ncmec", "guid-not-illegal")
    assert sorted(exports.read_ncmec_votes(votes)) == [("e1", "PDQ", "upvote"),
                                                       ("e2", "MD5", "downvote")]
    assert b"<guid>guid-not-illegal</guid>" in votes
    assert b'"not_voted"' in votes and b'"e3"' in votes  # disputed: no vote either way

    te = usecases.export(state.db, None, ESP, "threatexchange").decode()
    rows = list(csv.reader(io.StringIO(te)))
    assert rows[0] == list(hma.HEADER)
    assert sorted(r[3] for r in rows[1:]) == ["DISPUTED", "NEGATIVE_CLASS", "POSITIVE_CLASS"]
    positive = "\n".join([te.splitlines()[0], *[line for line in te.splitlines()[1:]
                                                if ",POSITIVE_CLASS," in line]])
    read = hma.read(positive.encode())  # pytx's own reader of the format takes it back
    assert [(r.signal_type, r.source_list) for r in read] == [("pdq", "ncmec")]
    assert hma.polarity(positive.replace("POSITIVE_CLASS", "NEGATIVE_CLASS").encode()) \
        == "negative"

    plain = list(csv.DictReader(io.StringIO(
        usecases.export(state.db, None, None, "csv").decode())))
    assert {(r["item"], r["opinion"]) for r in plain} == {
        ("e1", "positive"), ("e2", "negative"), ("e3", "disputed")}


def test_disputed_entries_are_in_the_consistency_report(
        state: AppState, matched: dict[str, int]) -> None:
    add_user(state, "analyst-1")
    user = StaffUser(1, "analyst-1", "analyst", "Hotline", "US")
    report = bank_views.consistency(state.db, user)
    assert sorted(d.entry_id for d in report.disputed) == sorted(
        [matched["disputed"], matched["contested"]])
    assert all(d.contributors == [ESP] for d in report.disputed)


def test_the_api_exports_and_refuses_an_unknown_format(
        state: AppState, server: LiveServer, http: httpx.Client,
        matched: dict[str, int]) -> None:
    analyst = add_user(state, "analyst-2")
    url = f"{server.url}/api/v1/banks/feedback"
    found = http.get(url, params={"contributor": ESP, "format": "ncmec"}, auth=analyst)
    assert found.status_code == 200
    assert len(found.json()["votes"]) == 2
    assert http.get(url, params={"format": "stix"}, auth=analyst).status_code == 400
