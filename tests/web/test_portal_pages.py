"""The reporter portal in a browser: a reporter organisation's user sees its own reports with
status, quality findings and pipeline progress, and the 404 page for another's report."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from web_support import axe_check, log_in_as, screenshot

from pages_support import DOC, reporter_org
from staff_support import add_report
from tipline.db import utcnow

from support import LiveServer

FINDING = {"code": "missing_ip", "severity": "warning", "path": "personOrUserReported",
           "message": "No IP address of the reported user: add one with its capture time."}


def test_a_reporter_user_sees_its_reports_and_not_anothers(page: Page,
                                                           server: LiveServer) -> None:
    state = server.state
    ours = reporter_org(state, "platform-ours")
    reporter_org(state, "platform-theirs")
    mine, _ = add_report(state, ours, document=DOC, finished_at=utcnow(), quality_score=70,
                         quality_issues=[FINDING], files=[{"content": b"benign bytes"}])
    theirs, _ = add_report(state, "platform-theirs", document=DOC, finished_at=utcnow(),
                           quality_score=90)
    log_in_as(page, server, "reporter", organisation=ours)
    expect(page.get_by_role("heading", name="Our reports")).to_be_visible()  # its home page
    expect(page.get_by_role("link", name=f"Report {mine}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Report {theirs}")).to_have_count(0)
    screenshot(page, "portal")
    axe_check(page)

    page.get_by_role("link", name=f"Report {mine}").click()
    expect(page.get_by_role("heading", name=f"Report {mine}")).to_be_visible()
    expect(page.get_by_role("heading", name="Quality: 70 of 100")).to_be_visible()
    expect(page.get_by_text(FINDING["message"])).to_be_visible()
    screenshot(page, "portal-report")
    axe_check(page)

    answer = page.goto(f"{server.url}/portal/reports/{theirs}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    for path in ("/worklist", "/inbox", "/dashboard", "/banks"):
        refused = page.goto(f"{server.url}{path}")
        assert refused is not None and refused.status == 403, path


def test_staff_cannot_use_the_portal(page: Page, server: LiveServer) -> None:
    log_in_as(page, server, "analyst")
    answer = page.goto(f"{server.url}/portal")
    assert answer is not None and answer.status == 403
