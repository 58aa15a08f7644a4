"""Outcomes in a browser: an agency records an outcome on its inbox case page, and the
reporter's portal shows it (a confidential one only from its date); the form refuses a case
the agency was never sent."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect
from sqlalchemy import update
from web_support import axe_check, log_in_as, screenshot

from pages_support import routed_case
from tipline.db import utcnow
from tipline.outcomes.models import Outcome

from support import LiveServer


def test_an_agency_records_outcomes_and_the_reporter_sees_the_shared_ones(
        page: Page, server: LiveServer) -> None:
    case_id, _ = routed_case(server.state, "AG-OUT", reporter="platform-outcomes")
    other_case, _ = routed_case(server.state, "AG-ELSE")
    log_in_as(page, server, "agency", organisation="AG-OUT")
    page.goto(f"{server.url}/inbox/cases/{case_id}")
    expect(page.get_by_text("No outcome recorded yet.")).to_be_visible()
    page.get_by_label("Outcome", exact=True).select_option("not_actionable")
    page.get_by_label("Reason (only when not actionable)").select_option("data_expired")
    page.get_by_role("button", name="Record outcome").click()
    expect(page.get_by_text(f"Outcome recorded for case {case_id}.")).to_be_visible()
    page.get_by_label("Outcome", exact=True).select_option("arrest")
    page.get_by_label("Confidential until (a day, UTC; empty: share now)").fill(
        (utcnow() + dt.timedelta(days=20)).date().isoformat())
    page.get_by_role("button", name="Record outcome").click()
    table = page.get_by_role("table", name="Outcomes")
    expect(table).to_contain_text("data already expired")
    expect(table).to_contain_text("arrest")
    screenshot(page, "inbox-case-outcomes")
    axe_check(page)
    refused = page.request.get(f"{server.url}/inbox/cases/{other_case}")
    assert refused.status == 404

    page.context.clear_cookies()
    log_in_as(page, server, "reporter", organisation="platform-outcomes")
    page.goto(f"{server.url}/portal/outcomes")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(1)  # the arrest is confidential for 20 days
    expect(rows.first).to_contain_text("not actionable")
    screenshot(page, "portal-outcomes")
    axe_check(page)
    with server.state.db.transaction() as session:
        session.execute(update(Outcome).where(Outcome.code == "arrest")
                        .values(held_until=utcnow() - dt.timedelta(seconds=1)))
    page.reload()
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("actioned")
    rows.first.get_by_role("link").click()
    expect(page.locator("[data-figure=outcome-status]")).to_have_text("actioned")
