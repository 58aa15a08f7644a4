"""Pull: an agency lists its queue and downloads packages and the encrypted evidence bundle;
it sees only what was routed to it."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from delivery_support import add_agency, add_case, delivery, route_and_enqueue
from lxml import etree

from staff_support import STAFF_PASSWORD, add_user
from tipline.audit.service import Actor, events_for
from tipline.delivery.packages import XML_NS, open_bundle
from tipline.delivery.rules import case_version
from tipline.state import AppState
from tipline.users.schemas import UserCreate
from tipline.users.service import create_user

from support import LiveServer

FILES = [b"first benign synthetic file", b"second benign synthetic file"]


def agency_user(state: AppState, username: str, code: str) -> tuple[str, str]:
    with state.db.transaction() as session:
        create_user(session, UserCreate(username=username, role="agency", organisation=code,
                                        jurisdiction="DE", password=STAFF_PASSWORD),
                    Actor("test"))
    return username, STAFF_PASSWORD


@pytest.fixture
def pulled(state: AppState, reporter: tuple[str, str]) -> tuple[int, int, X25519PrivateKey]:
    key = X25519PrivateKey.generate()
    agency_id = add_agency(state, "SE-NOA", method="pull", key=key)
    add_agency(state, "FR-OFMIN", method="pull", key=X25519PrivateKey.generate())
    case_id = add_case(state, reporter[0], FILES)
    delivery_id = route_and_enqueue(state, case_id, agency_id)
    assert delivery_id is not None
    return case_id, delivery_id, key


def test_agency_pulls_its_queue_packages_and_bundle(
        state: AppState, server: LiveServer, http: httpx.Client,
        pulled: tuple[int, int, X25519PrivateKey]) -> None:
    case_id, delivery_id, key = pulled
    auth = agency_user(state, "noa-desk", "SE-NOA")
    base = f"{server.url}/api/v1/agencies/me"
    queue = http.get(f"{base}/queue", auth=auth).json()
    assert [i["delivery_id"] for i in queue["items"]] == [delivery_id]
    assert queue["items"][0]["deadline"]

    package = http.get(f"{base}/deliveries/{delivery_id}/package.json", auth=auth)
    assert package.status_code == 200
    doc = package.json()
    assert doc["case_id"] == case_id and doc["version"] == case_version(doc["content"])
    assert package.headers["Idempotency-Key"] == delivery(state, delivery_id).idempotency_key

    xml = http.get(f"{base}/deliveries/{delivery_id}/package.xml", auth=auth)
    root = etree.fromstring(xml.content)
    assert root.tag == f"{{{XML_NS}}}tiplineCase" and root.get("version") == doc["version"]
    report = root.find(f"{{{XML_NS}}}caseReport/report")
    assert report is not None and report.find("incidentSummary/incidentType") is not None

    sealed = http.get(f"{base}/deliveries/{delivery_id}/bundle", auth=auth).content
    opened = open_bundle(key, sealed)
    manifest = json.loads(opened["manifest.json"])
    assert manifest["version"] == doc["version"]
    for content in FILES:
        assert opened[f"files/{hashlib.sha256(content).hexdigest()}"] == content
    with pytest.raises(InvalidTag):
        open_bundle(X25519PrivateKey.generate(), sealed)
    with state.db.sessions() as session:  # every evidence read was audited, naming the delivery
        reads = events_for(session, "evidence", hashlib.sha256(FILES[0]).hexdigest())
    assert any(e.action == "evidence.read" and str(delivery_id) in e.detail["purpose"]
               for e in reads)

    ack = http.post(f"{base}/deliveries/{delivery_id}/ack", auth=auth, json={"ref": "N-1"})
    assert ack.json()["status"] == "acknowledged"
    assert http.post(f"{base}/deliveries/{delivery_id}/ack", auth=auth).status_code == 200
    assert http.get(f"{base}/queue", auth=auth).json()["items"] == []
    d = delivery(state, delivery_id)
    assert d.ack_detail["ack"]["ref"] == "N-1" and d.acknowledged_at is not None

    staff = add_user(state, "supervisor-1", role="supervisor")
    desk = http.get(f"{server.url}/api/v1/deliveries/time-to-desk", auth=staff).json()
    assert desk["agencies"][0]["agency"] == "SE-NOA" and desk["agencies"][0]["count"] == 1


def test_agency_sees_only_what_was_routed_to_it(
        state: AppState, server: LiveServer, http: httpx.Client,
        pulled: tuple[int, int, X25519PrivateKey]) -> None:
    _case_id, delivery_id, _key = pulled
    other = agency_user(state, "ofmin-desk", "FR-OFMIN")
    base = f"{server.url}/api/v1/agencies/me"
    assert http.get(f"{base}/queue", auth=other).json()["items"] == []
    for what in ("package.json", "package.xml", "bundle"):
        assert http.get(f"{base}/deliveries/{delivery_id}/{what}", auth=other).status_code == 404
    assert http.post(f"{base}/deliveries/{delivery_id}/ack", auth=other).status_code == 404
    assert delivery(state, delivery_id).status == "pending"
    analyst = add_user(state, "analyst-1")
    assert http.get(f"{base}/queue", auth=analyst).status_code == 403
    assert http.get(f"{base}/queue").status_code == 401
