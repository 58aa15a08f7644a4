"""Helpers for routing tests (and the agency, deconfliction, triage and delivery tests that
need routed cases): the sample registry, cases built straight in the database, a fixed
IP-to-country table and a fake resolver (test addresses never leave this machine)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from staff_support import STAFF_PASSWORD, add_report
from tipline.agencies.service import import_registry, sample_registry_text
from tipline.audit.service import Actor
from tipline.cases.models import Case, CaseReport
from tipline.delivery.service import enqueue_for_case
from tipline.reports.models import Identifier, IpEvent
from tipline.routing import geo, service
from tipline.routing.service import RoutingConfig
from tipline.state import AppState
from tipline.triage.service import recompute
from tipline.users.schemas import UserCreate
from tipline.users.service import create_user

ACTOR = Actor("test")
# Documentation and loopback addresses, placed in countries for the tests only.
COUNTRIES = {"192.0.2.10": "SE", "192.0.2.20": "DE", "198.51.100.30": "FR",
             "203.0.113.40": "JP", "127.0.0.2": "NL", "192.0.2.99": "SE"}
HOSTS = {"files.example.test": ["127.0.0.2"], "cdn.example.test": ["127.0.0.3"]}


class FakeResolver:
    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.answers = HOSTS if answers is None else answers
        self.asked: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.asked.append(host)
        return list(self.answers.get(host, []))


def config(margin_hours: float = 48, default_days: int = 7,
           fallback: str | None = "INTERPOL") -> RoutingConfig:
    return RoutingConfig(lookup=geo.TableLookup(COUNTRIES), resolver=FakeResolver(),
                         default_retention_days=default_days,
                         margin=dt.timedelta(hours=margin_hours), fallback=fallback)


def import_sample(state: AppState) -> None:
    with state.db.transaction() as session:
        import_registry(session, sample_registry_text(), ACTOR)


def add_agency_user(state: AppState, username: str, agency: str) -> tuple[str, str]:
    with state.db.transaction() as session:
        create_user(session, UserCreate(username=username, role="agency", organisation=agency,
                                        jurisdiction="SE", password=STAFF_PASSWORD), ACTOR)
    return username, STAFF_PASSWORD


def report(state: AppState, reporter: str, *, ips: list[tuple[str, dt.datetime | None]] = (),
           urls: list[str] = (), idents: list[tuple[str, str]] = (),
           document: dict[str, Any] | None = None, files: list[dict[str, Any]] | None = None,
           proxy: bool = False) -> int:
    """A finished report with IP events, URLs and identifiers written as intake would."""
    report_id, _ = add_report(state, reporter, document=document or {}, files=files)
    with state.db.transaction() as session:
        for ip, at in ips:
            session.add(IpEvent(report_id=report_id, role="reported", ip=ip, at=at,
                                possible_proxy=proxy))
        for url in urls:
            session.add(Identifier(report_id=report_id, role="incident", kind="url", value=url))
        for kind, value in idents:
            session.add(Identifier(report_id=report_id, role="reported", kind=kind, value=value))
    return report_id


def new_case(state: AppState, *report_ids: int) -> int:
    with state.db.transaction() as session:
        case = Case(status="open", priority_level="P4", priority_score=0)
        session.add(case)
        session.flush()
        for report_id in report_ids:
            session.add(CaseReport(report_id=report_id, case_id=case.id))
        return case.id


def join(state: AppState, case_id: int, report_id: int) -> None:
    with state.db.transaction() as session:
        session.add(CaseReport(report_id=report_id, case_id=case_id))


def route(state: AppState, case_id: int, cfg: RoutingConfig | None = None,
          now: dt.datetime | None = None) -> service.Outcome:
    """Route the case, then run what the pipeline runs after routing: triage (reading the
    deadlines routing set) and the delivery hand-over of every active route."""
    with state.db.transaction() as session:
        outcome = service.route_case(session, case_id, cfg or config(), now)
        assert outcome is not None
    with state.db.transaction() as session:
        recompute(session, outcome.case_id, now=now)
        enqueue_for_case(session, outcome.case_id)
    return outcome
