"""The agency inbox in a browser: an agency sees only its cases with their deadlines,
acknowledges a delivery, downloads its package and evidence bundle, and gets the 404 page
for another agency's case."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect
from web_support import axe_check, log_in_as, screenshot

from pages_support import pull_agency, routed_case
from tipline.delivery.models import Delivery

from support import LiveServer


def _status(server: LiveServer, delivery_id: int) -> str:
    with server.state.db.sessions() as session:
        found = session.get(Delivery, delivery_id)
        assert found is not None
        return found.status


def test_an_agency_acknowledges_a_delivery_and_downloads_its_package(
        page: Page, server: LiveServer) -> None:
    case_id, delivery_id = routed_case(server.state, "AG-INBOX")
    other_case, _ = routed_case(server.state, "AG-OTHER")
    log_in_as(page, server, "agency", organisation="AG-INBOX")
    page.goto(f"{server.url}/inbox")
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    row = page.locator(f"#delivery-{delivery_id}")
    expect(row).to_contain_text(f"Case {case_id}")
    expect(page.get_by_role("link", name=f"Case {other_case}")).to_have_count(0)
    expect(page.get_by_text("1 d 5 h").first).to_be_visible()  # the deadline as time left
    screenshot(page, "inbox")
    axe_check(page)

    with page.expect_download() as download:
        row.get_by_role("link", name=f"Package (JSON) of delivery {delivery_id}").click()
    package = json.loads(download.value.path().read_text())
    assert package["case_id"] == case_id and package["agency"] == "AG-INBOX"
    with page.expect_download() as bundle:
        row.get_by_role("link", name=f"Evidence bundle (encrypted) of delivery "
                                     f"{delivery_id}").click()
    assert bundle.value.path().read_bytes()[:4] == b"TLB1"
    assert _status(server, delivery_id) == "delivered"

    row.get_by_role("button", name=f"Acknowledge delivery {delivery_id}").click()
    expect(page.get_by_text(f"Delivery {delivery_id} is acknowledged.")).to_be_visible()
    expect(page.get_by_text("Nothing is waiting for your acknowledgement.")).to_be_visible()
    assert _status(server, delivery_id) == "acknowledged"

    page.get_by_role("link", name=f"Case {case_id}").click()
    expect(page.get_by_role("heading", name=f"Case {case_id}")).to_be_visible()
    expect(page.get_by_text("acknowledged", exact=False).first).to_be_visible()
    screenshot(page, "inbox-case")
    axe_check(page)

    answer = page.goto(f"{server.url}/inbox/cases/{other_case}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert str(other_case) not in page.inner_text("main")


def test_another_agencys_delivery_cannot_be_downloaded_or_acknowledged(
        page: Page, server: LiveServer) -> None:
    pull_agency(server.state, "AG-MINE")
    _, theirs = routed_case(server.state, "AG-THEIRS")
    log_in_as(page, server, "agency", organisation="AG-MINE")
    answer = page.goto(f"{server.url}/inbox/deliveries/{theirs}/package.json")
    assert answer is not None and answer.status == 404
    page.goto(f"{server.url}/inbox")
    expect(page.get_by_text("No case is routed to your agency.")).to_be_visible()
    token = page.locator("form.logout input[name=csrf_token]").get_attribute("value")
    refused = page.request.post(f"{server.url}/inbox/deliveries/{theirs}/ack",
                                form={"csrf_token": token or ""}, max_redirects=0)
    assert refused.status == 404
    assert _status(server, theirs) == "pending"


def test_a_stale_download_leads_back_to_the_inbox_with_the_newer_delivery(
        page: Page, server: LiveServer) -> None:
    case_id, delivery_id = routed_case(server.state, "AG-STALE")
    with server.state.db.transaction() as session:  # the case changed since it was queued
        found = session.get(Delivery, delivery_id)
        assert found is not None
        found.case_version = "0" * 64
    log_in_as(page, server, "agency", organisation="AG-STALE")
    answer = page.goto(f"{server.url}/inbox/deliveries/{delivery_id}/package.json")
    assert answer is not None and answer.status == 200 and page.url.endswith("/inbox")
    expect(page.get_by_text(f"The case changed after delivery {delivery_id} was queued")
           ).to_be_visible()
    assert _status(server, delivery_id) == "superseded"
    expect(page.locator(f"#delivery-{delivery_id}")).to_have_count(0)
    expect(page.get_by_role("link", name=f"Case {case_id}").first).to_be_visible()
