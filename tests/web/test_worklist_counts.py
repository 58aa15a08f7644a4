"""The worklist's counts per level come with their own request: htmx loads them into the page;
without JavaScript the link leads to a page of their own."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from web_support import add_staff, axe_check, log_in

from tipline.cases.models import Case

from support import LiveServer


def test_counts_per_level_load_into_the_worklist(page: Page, server: LiveServer) -> None:
    with server.state.db.transaction() as session:
        session.add_all(Case(status="open", summary={}, priority_level=level, priority_score=5)
                        for level in ("P1", "P1", "P1", "P2", None))
    log_in(page, server, add_staff(server.state, "analyst"))
    counts = page.locator("#counts")
    expect(counts.locator('[data-level="P1"]')).to_have_text("3")
    expect(counts.locator('[data-level="P2"]')).to_have_text("1")
    expect(counts.locator('[data-level="none"]')).to_have_text("1")
    axe_check(page)
    page.goto(f"{server.url}/worklist/counts?level=P2")  # as a link: a page of its own
    expect(page.get_by_role("heading", name="Cases per level")).to_be_visible()
    expect(page.locator('[data-level="P1"]')).to_have_text("3")  # all levels
    page.get_by_role("link", name="Back to the worklist").click()
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    assert "level=P2" in page.url
