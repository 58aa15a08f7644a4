"""Takedown pages in a browser: the public report form without JavaScript (receipt, secret,
status), its protections (CSRF, honeypot, rate limit, size), and the analyst's pages (URL
list, assessment, figures, the provider and hotline registries)."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from web_support import PATIENCE_MS, axe_check, log_in_as, screenshot

from tipline.takedown.models import TakedownUrl

from support import LiveServer


def test_the_public_can_report_without_javascript_and_check_the_status(
        browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/report")
        expect(page.get_by_role("heading", name="Report child sexual abuse material online")
               ).to_be_visible()
        axe_check_without_js = page.content()
        assert "website" in axe_check_without_js  # the honeypot is in the form
        page.get_by_label("Web addresses").fill(
            "https://Example.com/a?utm_source=x\nhttp://user:pw@10.0.0.5/b")
        page.get_by_label("What did you see?").fill("A gallery page.")
        page.get_by_role("button", name="Send report").click()
        expect(page.get_by_role("heading", name=re.compile("report was received"))
               ).to_be_visible()
        receipt = page.locator("#receipt").inner_text()
        secret = page.locator("#secret").inner_text()
        screenshot(page, "public-report-receipt")
        page.get_by_role("link", name="Check the status").click()
        page.get_by_label("Receipt number").fill(receipt)
        page.get_by_label("Secret").fill(secret)
        page.get_by_role("button", name="Check status").click()
        expect(page.get_by_text("https://example.com/a", exact=True)).to_be_visible()
        expect(page.get_by_text("http://10.0.0.5/b", exact=True)).to_be_visible()
        screenshot(page, "public-report-status")
        page.get_by_label("Receipt number").fill(receipt)
        page.get_by_label("Secret").fill("wrong")
        page.get_by_role("button", name="Check status").click()
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    finally:
        context.close()
    with server.state.db.sessions() as session:
        stored = {u.url: u.refusal for u in session.scalars(select(TakedownUrl))}
    assert stored == {"https://example.com/a": None,
                      "http://10.0.0.5/b": "a private or reserved address"}


def test_the_public_pages_are_accessible(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/report")
    screenshot(page, "public-report")
    axe_check(page)
    page.get_by_label("Web addresses").fill("https://example.com/a")
    page.get_by_role("button", name="Send report").click()
    receipt = page.locator("#receipt").inner_text()
    secret = page.locator("#secret").inner_text()
    axe_check(page)
    page.goto(f"{server.url}/report/status")
    page.get_by_label("Receipt number").fill(receipt)
    page.get_by_label("Secret").fill(secret)
    page.get_by_role("button", name="Check status").click()
    expect(page.get_by_text("received, waiting for assessment")).to_be_visible()
    axe_check(page)


def _form(client: httpx.Client, server: LiveServer) -> str:
    page = client.get(f"{server.url}/report")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_the_public_form_refuses_abuse(server: LiveServer) -> None:
    with httpx.Client(timeout=60) as client:
        token = _form(client, server)
        post = f"{server.url}/report"
        assert client.post(post, data={"urls": "https://example.com/"}).status_code == 403
        filled = client.post(post, data={"csrf_token": token, "urls": "https://example.com/",
                                         "website": "http://spam.example"})
        assert filled.status_code == 400
        many = "\n".join(f"https://example.com/{i}" for i in range(10_000))
        too_many = client.post(post, data={"csrf_token": token, "urls": many})
        assert too_many.status_code == 400 and "at most 100 URLs" in too_many.text
        bad = client.post(post, data={"csrf_token": token, "urls": "ftp://example.com/x"})
        assert bad.status_code == 400 and "line 1" in bad.text
        answers = [client.post(post, data={"csrf_token": token,
                                           "urls": f"https://example.com/{i}"}).status_code
                   for i in range(11)]
    assert answers[:10] == [201] * 10 and answers[10] == 429


def test_an_analyst_assesses_a_url_and_reads_the_figures(page: Page,
                                                         server: LiveServer) -> None:
    with httpx.Client(timeout=60) as client:
        token = _form(client, server)
        sent = client.post(f"{server.url}/report",
                           data={"csrf_token": token, "urls": "https://files.example/x"})
        assert sent.status_code == 201
    log_in_as(page, server, "hotline_analyst")
    page.get_by_role("link", name="Takedown").click()
    expect(page.get_by_role("heading", name="Reported URLs")).to_be_visible()
    screenshot(page, "takedown")
    axe_check(page)
    page.get_by_role("link", name=re.compile(r"files\.example")).click()
    expect(page.get_by_role("table", name=re.compile("national. means where you act"))
           ).to_be_visible()
    expect(page.get_by_role("cell", name="United States (US)")).to_be_visible()
    page.get_by_label(re.compile("^baseline")).check()
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Assessed: illegal everywhere")).to_be_visible()
    expect(page.get_by_text(re.compile("assessed · baseline"))).to_be_visible()
    screenshot(page, "takedown-url")
    axe_check(page)
    page.goto(f"{server.url}/takedown/figures")
    expect(page.get_by_role("table", name="Per provider")).to_be_visible()
    screenshot(page, "takedown-figures")
    axe_check(page)


def test_registries_are_kept_by_supervisors(page: Page, server: LiveServer) -> None:
    log_in_as(page, server, "supervisor")
    page.goto(f"{server.url}/admin/providers")
    page.get_by_label("Name", exact=True).first.fill("Loop Hosting")
    page.get_by_label("Address ranges").fill("192.0.2.0/24")
    page.get_by_label("Abuse address or webhook URL").fill("abuse@loop.example")
    page.get_by_role("button", name="Add provider").click()
    expect(page.get_by_role("cell", name="192.0.2.0/24")).to_be_visible()
    page.get_by_label("Country (ISO code)").nth(1).fill("nl")
    page.locator("#h-name").fill("Meldpunt")
    page.get_by_label("Address or webhook URL", exact=True).fill("meld@hotline.example")
    page.get_by_role("button", name="Add hotline").click()
    expect(page.get_by_role("cell", name="Meldpunt")).to_be_visible()
    page.get_by_label("Address ranges").fill("not-a-range")
    page.locator("#p-name").fill("Broken")
    page.get_by_label("Abuse address or webhook URL").fill("abuse@b.example")
    page.get_by_role("button", name="Add provider").click()
    expect(page.get_by_text("is not an address range")).to_be_visible()
    page.goto(f"{server.url}/admin/providers")
    screenshot(page, "takedown-registry")
    axe_check(page)
