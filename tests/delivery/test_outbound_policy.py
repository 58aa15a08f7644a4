"""The outbound address policy: every IPv6 form carrying an IPv4 address is judged by that
address; endpoints are checked when registered as before each delivery; a refused destination
is a dead letter with an alert at once, not a retry."""

from __future__ import annotations

import ipaddress

import pytest
from delivery_support import add_agency, add_case, delivery, drive, route_and_enqueue, worker
from sqlalchemy import select

from staff_support import add_user
from tipline.alerts.models import Alert
from tipline.outbound import DestinationRefused, Destinations, address_allowed, check_url
from tipline.state import AppState

from support import LiveServer

PRIVATE = ("10.0.0.1", "127.0.0.1", "169.254.169.254", "192.168.1.1", "100.64.0.1")
PUBLIC = ("8.8.8.8", "1.1.1.1")


def _forms(v4: str) -> dict[str, str]:
    """Each IPv6 form that carries `v4`."""
    n = int(ipaddress.IPv4Address(v4))
    hi, lo = n >> 16, n & 0xFFFF
    server = 0x08080808  # a public Teredo server (8.8.8.8); the client is `v4`
    client = n ^ 0xFFFFFFFF  # Teredo stores the client obfuscated
    return {
        "mapped": f"::ffff:{v4}",
        "translated": f"::ffff:0:{v4}",
        "compatible": f"::{v4}",
        "6to4": f"2002:{hi:x}:{lo:x}::1",
        "teredo": f"2001:0:{server >> 16:x}:{server & 0xFFFF:x}:0:0:{client >> 16:x}:"
                  f"{client & 0xFFFF:x}",
        "nat64": f"64:ff9b::{v4}",
    }


FORMS = tuple(_forms("8.8.8.8"))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("v4", PRIVATE)
def test_an_ipv6_form_of_a_private_ipv4_is_refused(form: str, v4: str) -> None:
    address = ipaddress.ip_address(_forms(v4)[form])
    assert not address_allowed(address, allow_loopback=False), (form, str(address))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("v4", PUBLIC)
def test_an_ipv6_form_of_a_public_ipv4_is_judged_by_it(form: str, v4: str) -> None:
    address = ipaddress.ip_address(_forms(v4)[form])
    assert address_allowed(address, allow_loopback=False), (form, str(address))


def test_loopback_forms_follow_the_loopback_setting_and_odd_prefixes_are_refused() -> None:
    for form in ("::ffff:127.0.0.1", "64:ff9b::127.0.0.1", "2002:7f00:1::1"):
        assert address_allowed(ipaddress.ip_address(form), allow_loopback=True)
        assert not address_allowed(ipaddress.ip_address(form), allow_loopback=False)
    assert not address_allowed(ipaddress.ip_address("::ffff:10.0.0.1"), allow_loopback=True)
    assert not address_allowed(ipaddress.ip_address("64:ff9b:1::808:808"), False)
    assert address_allowed(ipaddress.ip_address("2606:4700:4700::1111"), False)


@pytest.mark.parametrize("url, reason", [
    ("https://10.0.0.5/hook", "not a public address"),
    ("https://[::ffff:169.254.169.254]/latest", "not a public address"),
    ("https://[64:ff9b::a00:1]/", "not a public address"),
    ("https://127.0.0.1:8443/", "not a public address"),
    ("https://localhost/", "local name"),
    ("https://desk.internal/", "local name"),
    ("http://agency.example.org/", "plain http"),
    ("ftp://agency.example.org/", "scheme"),
])
def test_registration_refuses_what_delivery_would(url: str, reason: str) -> None:
    with pytest.raises(DestinationRefused, match=reason):
        check_url(url, Destinations())


def test_registration_accepts_public_and_allowed_loopback_endpoints() -> None:
    check_url("https://agency.example.org/tipline", Destinations())
    check_url("https://[2606:4700:4700::1111]/", Destinations())
    loopback = Destinations(allow_loopback=True, allow_http=True)
    check_url("http://127.0.0.1:9000/hook", loopback)
    check_url("http://localhost:9000/hook", loopback)


def test_the_registry_refuses_a_private_webhook(state: AppState, server: LiveServer) -> None:
    import httpx

    admin = add_user(state, "ada", role="admin")
    entry = {"code": "DE-X", "name": "X", "countries": ["DE"], "channel": "direct",
             "delivery_method": "webhook", "endpoint_url": "https://192.168.0.10/hook"}
    answer = httpx.post(f"{server.url}/api/v1/admin/agencies", json=entry, auth=admin)
    assert answer.status_code == 400
    assert "192.168.0.10 is not a public address" in answer.json()["error"]["message"]
    entry["endpoint_url"] = "https://de-x.example.org/hook"
    assert httpx.post(f"{server.url}/api/v1/admin/agencies", json=entry, auth=admin
                      ).status_code == 201


def test_a_refused_destination_is_a_dead_letter_at_once(
        state: AppState, reporter: tuple[str, str]) -> None:
    # Written straight to the table: an endpoint registered before this policy, or (for a
    # name) one whose DNS answer changed since.
    agency_id = add_agency(state, "DE-OLD", url="https://10.1.2.3/hook")
    case_id = add_case(state, reporter[0], [b"benign synthetic bytes"])
    delivery_id = route_and_enqueue(state, case_id, agency_id)
    assert delivery_id is not None
    drive(worker(state), lambda: delivery(state, delivery_id).status == "dead")
    assert delivery(state, delivery_id).attempts == 1  # no retries
    with state.db.sessions() as session:
        alerts = session.scalars(select(Alert).where(Alert.case_id == case_id)).all()
    assert [a.kind for a in alerts] == ["dead_letter"]
    assert "refuses this destination" in alerts[0].message
