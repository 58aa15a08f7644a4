"""The media review pages in a real browser: media load blurred (the pixels are the safe
rendition, no original's address in the page), a reveal is audited with its duration and
blurs again when the reviewer moves on, a cluster is classified by keyboard with its
verdicts shown, agency users are refused, and the pages pass the accessibility check."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from web_support import PATIENCE_MS, axe_check, log_in_as, screenshot

from review_support import World, world
from tipline.audit.models import AuditEvent
from tipline.reports.models import ReportFile
from tipline.review import render
from tipline.state import AppState

from support import LiveServer, wait_for

GREY_PIXELS = """img => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) { return false; }
  }
  return img.naturalWidth > 0;
}"""


# Waits on progress, with a generous ceiling on a loaded machine (never a budget).
expect.set_options(timeout=PATIENCE_MS)


@pytest.fixture
def media(state: AppState) -> World:
    """Reports through the pipeline before the server starts (list it before `server`)."""
    return world(state)


def audit(state: AppState, action: str) -> list[AuditEvent]:
    with state.db.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                    .order_by(AuditEvent.id)))


def original_bytes(state: AppState, file_id: str) -> bytes:
    with state.db.sessions() as session:
        found = session.get(ReportFile, file_id)
        assert found is not None
        return b"".join(state.evidence.open(found.sha256))


def test_media_load_blurred_and_a_reveal_is_audited(page: Page, media: World,
                                                   server: LiveServer) -> None:
    log_in_as(page, server, "analyst")
    page.goto(f"{server.url}/review")
    expect(page.get_by_role("heading", name="Media review")).to_be_visible()
    expect(page.get_by_text("of revealed media left today")).to_be_visible()
    screenshot(page, "review-queue")
    axe_check(page)
    page.goto(f"{server.url}/review/clusters/{media.shared_cluster}")
    safe = page.locator("img.safe")
    expect(safe).to_have_count(2)
    assert "/original" not in page.content()  # nothing points at an original before a reveal
    first = media.shared_files[0]
    expect(safe.first).to_have_attribute("src", f"/review/files/{first}/safe")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=safe.first.element_handle())
    assert safe.first.evaluate(GREY_PIXELS)
    served = page.request.get(f"{server.url}/review/files/{first}/safe").body()
    assert served == render.safe_png(original_bytes(server.state, first),
                                     server.state.settings.review_blur_level)
    screenshot(page, "review-cluster-blurred")
    axe_check(page)

    page.locator(f"#file-{first} button", has_text="Reveal").click()
    expect(page.locator(f"#file-{first} img.revealed")).to_be_visible()
    screenshot(page, "review-cluster-revealed")
    [opened] = audit(server.state, "media.reveal")
    assert opened.object_id == first
    page.keyboard.press("j")  # moving on to the next file blurs this one again
    expect(page.locator(f"#file-{first} img.safe")).to_be_visible()
    wait_for(lambda: audit(server.state, "media.reveal_end"), 60, "the reveal's end")
    [ended] = audit(server.state, "media.reveal_end")
    assert ended.detail["reveal_id"] == opened.detail["reveal_id"]
    assert 0 <= ended.detail["seconds"] <= server.state.settings.reveal_cap_seconds
    assert "/original" not in page.content()


def test_a_cluster_is_classified_by_keyboard(page: Page, media: World,
                                           server: LiveServer) -> None:
    log_in_as(page, server, "analyst")
    page.goto(f"{server.url}/review/clusters/{media.shared_cluster}")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    page.locator("body").focus()
    page.keyboard.press("1")  # A1: prepubescent, sexual act
    expect(page.locator("input[name=age_band][value=prepubescent]")).to_be_checked()
    expect(page.locator("input[name=activity][value=sexual_act]")).to_be_checked()
    page.keyboard.press("r")  # real
    page.keyboard.press("c")  # save
    expect(page.get_by_role("heading", name="Verdict per jurisdiction")).to_be_visible()
    expect(page.get_by_text("Classification saved for cluster")).to_be_visible()
    us = page.locator("table.verdicts tr", has=page.locator("td", has_text="US")).first
    expect(us).to_contain_text("illegal")
    screenshot(page, "review-verdicts")
    axe_check(page)
    page.goto(f"{server.url}/review")  # reviewed once: no longer queued
    expect(page.get_by_role("link", name=f"Cluster {media.other_cluster}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Cluster {media.shared_cluster}")).to_have_count(0)


def test_agency_users_never_see_the_review_pages(page: Page, media: World,
                                                server: LiveServer) -> None:
    log_in_as(page, server, "agency")
    expect(page.get_by_role("link", name="Review")).to_have_count(0)
    for path in ("/review", f"/review/clusters/{media.shared_cluster}",
                 f"/review/files/{media.shared_files[0]}/safe"):
        answer = page.goto(f"{server.url}{path}")
        assert answer is not None and answer.status == 403


def test_two_reviewers_never_get_the_same_cluster(page: Page, browser: Browser, media: World,
                                                  server: LiveServer) -> None:
    log_in_as(page, server, "analyst")
    page.goto(f"{server.url}/review")
    page.get_by_role("button", name="Review next").click()
    expect(page.get_by_role("heading", name="Review cluster")).to_be_visible()
    mine = int(page.url.rsplit("/", 1)[1].split("?")[0])

    other_context = browser.new_context()
    other_context.set_default_timeout(PATIENCE_MS)
    colleague = other_context.new_page()
    try:
        log_in_as(colleague, server, "analyst", username="colleague")
        colleague.goto(f"{server.url}/review")
        expect(colleague.get_by_role("link", name=f"Cluster {mine}")).to_have_count(0)
        colleague.get_by_role("button", name="Review next").click()
        expect(colleague.get_by_role("heading", name="Review cluster")).to_be_visible()
        assert not colleague.url.endswith(f"/review/clusters/{mine}")
        colleague.goto(f"{server.url}/review/clusters/{mine}")  # by its address
        expect(colleague.get_by_text("is reviewing this cluster until")).to_be_visible()
        expect(colleague.get_by_role("button", name="Reveal")).to_have_count(0)
        expect(colleague.get_by_role("button", name="Save classification")).to_have_count(0)
        screenshot(colleague, "review-cluster-held")
        axe_check(colleague)
    finally:
        other_context.close()
    # Leaving it gives it back to the queue.
    page.get_by_role("button", name="Leave it for someone else").click()
    expect(page.get_by_text(f"Cluster {mine} is back in the queue.")).to_be_visible()
