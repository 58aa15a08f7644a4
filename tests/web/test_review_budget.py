"""An exposure budget exhausted in the browser: with a 2-second budget, the reveal blurs
again at its limit, the next reveal is refused (403) with a clear message, and a
supervisor's override (audited) lets the reviewer reveal again."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from web_support import PATIENCE_MS, axe_check, log_in_as, screenshot

from review_support import World, world
from tipline.audit.models import AuditEvent
from tipline.settings import Settings
from tipline.state import AppState

from support import LiveServer, make_settings

# Waits on progress, with a generous ceiling on a loaded machine (never a budget).
expect.set_options(timeout=PATIENCE_MS)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var", exposure_budget_seconds=2)


@pytest.fixture
def media(state: AppState) -> World:
    return world(state)


def test_an_exhausted_budget_refuses_reveals_until_a_supervisor_grants_more(
        page: Page, browser: Browser, media: World, server: LiveServer) -> None:
    log_in_as(page, server, "analyst", username="tired-reviewer")
    cluster = f"{server.url}/review/clusters/{media.shared_cluster}"
    page.goto(cluster)
    first = page.locator(".review-media").first
    first.get_by_role("button", name="Reveal").click()
    expect(first.locator("img.revealed")).to_be_visible()
    # The reveal lasts at most what was left (2 s): the page blurs it again by itself.
    expect(page.locator(".review-media").first.locator("img.safe")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Your exposure budget for today is used up").first).to_be_visible()
    page.locator(".review-media").first.get_by_role("button", name="Reveal").click()
    expect(page.locator("#review-alert")).to_contain_text("exposure budget for today is used up")
    expect(page.locator("img.revealed")).to_have_count(0)
    screenshot(page, "review-budget-exhausted")
    axe_check(page)
    file_id = page.locator(".review-media").first.get_attribute("data-file")
    refused = page.request.post(f"{server.url}/review/files/{file_id}/reveal", form={
        "csrf_token": page.locator("[data-review]").get_attribute("data-csrf") or "",
        "cluster_id": str(media.shared_cluster)})
    assert refused.status == 403 and "used up" in refused.text()

    boss = browser.new_context()
    boss.set_default_timeout(PATIENCE_MS)
    supervisor = boss.new_page()
    log_in_as(supervisor, server, "supervisor")
    supervisor.goto(f"{server.url}/review/overrides")
    supervisor.get_by_label("Reviewer's username").fill("tired-reviewer")
    supervisor.get_by_label("More minutes for today").fill("5")
    supervisor.get_by_label("Reason").fill("P1 case: the victim may still be in danger")
    supervisor.get_by_role("button", name="Grant").click()
    expect(supervisor.get_by_text("tired-reviewer may reveal 5 more minutes today")).to_be_visible()
    screenshot(supervisor, "review-overrides")
    axe_check(supervisor)
    boss.close()
    with server.state.db.sessions() as session:
        granted = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "exposure.override"))
        assert granted is not None and granted.detail["extra_seconds"] == 300

    page.reload()
    page.locator(".review-media").first.get_by_role("button", name="Reveal").click()
    expect(page.locator("img.revealed")).to_be_visible()
