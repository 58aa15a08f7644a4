"""Cases, agencies and routes written straight to the database: these tests are about
delivery, not about how routing chooses an agency."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from staff_support import add_report
from tipline.agencies.models import Agency
from tipline.cases.models import Case, CaseReport
from tipline.db import utcnow
from tipline.delivery.models import Delivery
from tipline.delivery.packages import public_key_b64
from tipline.delivery.service import enqueue_for_route
from tipline.delivery.worker import DeliveryWorker, build_worker
from tipline.routing.models import Route
from tipline.state import AppState

SECRET = "test-agency-signing-secret"
DOC = {"incidentSummary": {"incidentType": "Child Pornography (possession, manufacture, and "
                           "distribution)", "incidentDateTime": "2026-01-01T10:00:00Z"},
       "reporter": {"reportingPerson": {"email": "safety@example.org"}}}


def add_agency(state: AppState, code: str, *, url: str | None = None, method: str = "webhook",
               key: X25519PrivateKey | None = None) -> int:
    with state.db.transaction() as session:
        agency = Agency(code=code, name=f"Agency {code}", countries=["DE"], channel="direct",
                        delivery_method=method, endpoint_url=url, signing_secret=SECRET,
                        public_key=public_key_b64(key) if key else None)
        session.add(agency)
        session.flush()
        return agency.id


def add_case(state: AppState, reporter: str, files: list[bytes] | None = None) -> int:
    report_id, _ = add_report(state, reporter, document=DOC, finished_at=utcnow(),
                              files=[{"content": c} for c in files or []])
    with state.db.transaction() as session:
        case = Case(status="open", summary={})
        session.add(case)
        session.flush()
        session.add(CaseReport(report_id=report_id, case_id=case.id, linked_by=[]))
        return case.id


def grow_case(state: AppState, reporter: str, case_id: int) -> int:
    report_id, _ = add_report(state, reporter, document=DOC, finished_at=utcnow())
    with state.db.transaction() as session:
        session.add(CaseReport(report_id=report_id, case_id=case_id, linked_by=[]))
    return report_id


def route_and_enqueue(state: AppState, case_id: int, agency_id: int,
                      route_id: int | None = None) -> int | None:
    """Create the route (or reuse one) and queue the case in one transaction, as routing does."""
    with state.db.transaction() as session:
        route = session.get(Route, route_id) if route_id else None
        if route is None:
            route = Route(case_id=case_id, agency_id=agency_id, reasons=["ip in DE"],
                          channel_chain=["direct"], deadline=utcnow() + dt.timedelta(days=7))
            session.add(route)
            session.flush()
        delivery = enqueue_for_route(session, route)
        return delivery.id if delivery else None


def route_of(state: AppState, case_id: int) -> int:
    with state.db.sessions() as session:
        route = session.query(Route).filter_by(case_id=case_id).one()
        return route.id


def delivery(state: AppState, delivery_id: int) -> Delivery:
    with state.db.sessions() as session:
        found = session.get(Delivery, delivery_id)
        assert found is not None
        return found


def worker(state: AppState) -> DeliveryWorker:
    return build_worker(state.db, state.settings)


def drive(w: DeliveryWorker, until: Callable[[], Any], timeout: float = 120) -> None:
    """Run the worker (retries included: backoffs are milliseconds here) until `until()`."""
    end = time.monotonic() + timeout
    while not until():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        if not w.run_one():
            time.sleep(0.01)
