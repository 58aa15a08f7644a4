"""Data for the page tests: a pull agency with a bundle key, a reporter organisation, and a
case routed to the agency with a delivery waiting, written straight to the database (these
tests are about the pages, not about how routing or linking decide)."""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from staff_support import add_report
from tipline.agencies.models import Agency
from tipline.cases.models import Case, CaseReport
from tipline.db import utcnow
from tipline.delivery.packages import public_key_b64
from tipline.delivery.service import enqueue_for_route
from tipline.reporters.models import Reporter
from tipline.routing.models import Route
from tipline.state import AppState

from support import add_reporter

DOC = {"incidentSummary": {"incidentType": "Child Pornography (possession, manufacture, and "
                           "distribution)", "incidentDateTime": "2026-01-01T10:00:00Z"},
       "reporter": {"reportingPerson": {"email": "safety@example.org"}}}


def pull_agency(state: AppState, code: str) -> int:
    """An active pull agency with a key for evidence bundles (created when missing)."""
    with state.db.transaction() as session:
        found = session.scalar(select(Agency.id).where(Agency.code == code))
        if found is not None:
            return int(found)
        agency = Agency(code=code, name=f"Agency {code}", countries=["DE"], channel="direct",
                        delivery_method="pull",
                        public_key=public_key_b64(X25519PrivateKey.generate()))
        session.add(agency)
        session.flush()
        return agency.id


def reporter_org(state: AppState, username: str) -> str:
    with state.db.sessions() as session:
        exists = session.scalar(select(Reporter.id).where(Reporter.username == username))
    if exists is None:
        add_reporter(state, username, name=f"Org {username}")
    return username


def routed_case(state: AppState, agency_code: str, reporter: str = "platform-pages",
                deadline_hours: float = 30, files: int = 1) -> tuple[int, int]:
    """A finished report in a new case routed to the agency, its delivery queued: (case id,
    delivery id)."""
    agency_id = pull_agency(state, agency_code)
    reporter_org(state, reporter)
    report_id, _ = add_report(state, reporter, document=DOC, finished_at=utcnow(),
                              files=[{"content": f"benign test bytes {i}".encode()}
                                     for i in range(files)])
    with state.db.transaction() as session:
        case = Case(status="open", summary={}, priority_level="P2")
        session.add(case)
        session.flush()
        session.add(CaseReport(report_id=report_id, case_id=case.id, linked_by=[]))
        route = Route(case_id=case.id, agency_id=agency_id,
                      reasons=[{"country": "DE", "text": "DE: ip"}], channel_chain=["direct"],
                      deadline=utcnow() + dt.timedelta(hours=deadline_hours))
        session.add(route)
        session.flush()
        delivery = enqueue_for_route(session, route)
        assert delivery is not None
        return case.id, delivery.id
