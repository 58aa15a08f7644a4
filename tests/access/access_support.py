"""Two agencies, A and B, and cases routed only to one of them, built with the shared helpers:
reports through intake and the pipeline (so clusters and cases are real), then agencies,
routes, deliveries, an alert and agency users. A and B share one media cluster: both cases
hold a copy of an image a bank knows (known material links no cases)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from delivery_support import add_agency, route_and_enqueue

from linking_support import bank_image, case_of, cluster_by_name, login, processed, submit
from routing_support import add_agency_user
from tipline.alerts.models import Alert
from tipline.db import utcnow
from tipline.reports.models import ReportFile
from tipline.routing.models import Route
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg, variants


@dataclass(frozen=True)
class World:
    case_a: int
    case_b: int
    report_a: int
    report_b: int
    file_a: str  # A's own image
    file_b: str  # B's copy of the shared image
    own_cluster_a: int  # only A's image
    shared_cluster: int  # holds a file of A and one of B
    agency_a: int
    agency_b: int
    delivery_a: int
    delivery_b: int
    alert_a: int
    user_a: tuple[str, str]
    user_b: tuple[str, str]


def _route(state: AppState, case_id: int, agency_id: int) -> int:
    """A route as routing writes it (reasons are records, not text)."""
    with state.db.transaction() as session:
        route = Route(case_id=case_id, agency_id=agency_id, channel_chain=["direct"],
                      reasons=[{"kind": "ip", "country": "DE"}],
                      deadline=utcnow() + dt.timedelta(days=7))
        session.add(route)
        session.flush()
        return route.id


def build_world(state: AppState) -> World:
    reporter = login(state)
    shared, own = generate(71, size=(256, 192)), generate(72, size=(256, 192))
    bank_image(state, "known", "positive", to_jpeg(shared))
    report_a = submit(state, reporter, {"a-shared.jpg": to_jpeg(shared),
                                        "a-own.jpg": to_jpeg(own)}, account="alice")
    report_b = submit(state, reporter, {"b-shared.jpg": variants(shared)["resized_50"]},
                      account="bob")
    processed(state, report_a, report_b)
    cases, clusters = case_of(state), cluster_by_name(state)
    assert cases[report_a] != cases[report_b]
    assert clusters["a-shared.jpg"] == clusters["b-shared.jpg"] != clusters["a-own.jpg"]
    agency_a = add_agency(state, "AG-A", method="pull", key=X25519PrivateKey.generate())
    agency_b = add_agency(state, "AG-B", method="pull", key=X25519PrivateKey.generate())
    delivery_a = route_and_enqueue(state, cases[report_a], agency_a,
                                   _route(state, cases[report_a], agency_a))
    delivery_b = route_and_enqueue(state, cases[report_b], agency_b,
                                   _route(state, cases[report_b], agency_b))
    assert delivery_a is not None and delivery_b is not None
    with state.db.transaction() as session:
        alert = Alert(kind="deadline_risk", case_id=cases[report_a], agency_id=agency_a,
                      message=f"case {cases[report_a]} is at risk")
        session.add(alert)
        session.flush()
        alert_id = alert.id
        files = {f.file_name: f.id for f in session.query(ReportFile)}
    return World(cases[report_a], cases[report_b], report_a, report_b, files["a-own.jpg"],
                 files["b-shared.jpg"], clusters["a-own.jpg"], clusters["a-shared.jpg"],
                 agency_a, agency_b, delivery_a, delivery_b, alert_id,
                 add_agency_user(state, "desk-a", "AG-A"),
                 add_agency_user(state, "desk-b", "AG-B"))
