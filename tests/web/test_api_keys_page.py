"""The administrators' API-key page in a browser: make a key (shown once), see it listed
without the key, revoke it; accessible."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from web_support import axe_check, log_in_as, screenshot

from support import LiveServer, add_reporter


def test_an_admin_makes_and_revokes_a_reporters_api_key(page: Page,
                                                         server: LiveServer) -> None:
    add_reporter(server.state, "platform-keys")
    log_in_as(page, server, "admin")
    page.goto(f"{server.url}/admin/api-keys")
    expect(page.get_by_text("No API keys yet.")).to_be_visible()
    page.get_by_label("Reporter (its API username)").fill("platform-keys")
    page.get_by_label("Name (what the key is for)").fill("intake robot")
    page.get_by_role("button", name="Make key").click()
    key = page.get_by_label("New key").input_value()
    assert key.startswith("tl_")
    expect(page.get_by_role("row").filter(has_text="intake robot")).to_contain_text("active")
    screenshot(page, "admin-api-keys")
    axe_check(page)
    page.goto(f"{server.url}/admin/api-keys")
    assert key not in page.content()  # shown once
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("is revoked.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="intake robot")).to_contain_text("revoked")
