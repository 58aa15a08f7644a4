"""Scorecards and the transparency report in a browser (centre staff): the figures of the
fixed data set, charts drawn on the server, downloads, and no access for an agency."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from web_support import axe_check, log_in_as, screenshot

from transparency_data import FIRST, LAST, build

from support import LiveServer


def test_scorecards_and_the_transparency_report(page: Page, server: LiveServer) -> None:
    build(server.state)
    log_in_as(page, server, "analyst")
    page.goto(f"{server.url}/scorecards?from={FIRST}&to={LAST}")
    expect(page.get_by_role("heading", name="Reporter scorecards")).to_be_visible()
    row = page.get_by_role("row", name="Platform A")
    expect(row).to_contain_text("14")
    screenshot(page, "scorecards")
    axe_check(page)

    page.get_by_role("link", name="Transparency").click()
    page.get_by_label("From", exact=True).fill(FIRST)
    page.get_by_label("To", exact=True).fill(LAST)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Takedown times")).to_be_visible()
    expect(page.get_by_text("SHA-256 of the inputs")).to_be_visible()
    chart = page.get_by_role("img", name="Chart: Reports by reporter (the numbers are in the "
                                        "table below)")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.naturalWidth") > 0  # drawn: the data URI decodes
    screenshot(page, "transparency")
    axe_check(page)
    download = page.request.get(f"{server.url}/transparency/report.json?from={FIRST}"
                                f"&to={LAST}")
    assert download.ok and download.json()["format"] == "tipline.transparency/1"

    page.context.clear_cookies()
    log_in_as(page, server, "agency", organisation="DE-BKA")
    for path in ("/scorecards", "/transparency"):
        refused = page.goto(f"{server.url}{path}")
        assert refused is not None and refused.status == 403, path
