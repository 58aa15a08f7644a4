"""The core pages in a real browser, as an analyst and as an agency user: the worklist with
its filters and counts, the case page, the report page; another agency's case is a 404."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect
from web_support import add_staff, axe_check, case_world, log_in, screenshot

from support import LiveServer


def test_an_analyst_works_from_the_worklist_to_a_case_and_a_report(
        page: Page, server: LiveServer) -> None:
    world = case_world(server.state)
    log_in(page, server, add_staff(server.state, "analyst"))
    expect(page.locator("#worklist")).to_contain_text(f"Case {world.case_a}")
    expect(page.locator("#worklist")).to_contain_text(f"Case {world.case_b}")
    screenshot(page, "worklist")
    axe_check(page)
    # Filters: an agency, a country, a deadline window, new material.
    page.get_by_label("Agency").fill("AG-B")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#worklist")).to_contain_text(f"Case {world.case_b}")
    expect(page.locator("#worklist")).not_to_contain_text(f"Case {world.case_a}")
    page.goto(f"{server.url}/worklist?country=DE&within_hours=48")
    expect(page.locator("#worklist")).to_contain_text(f"Case {world.case_a}")
    expect(page.locator("#worklist")).not_to_contain_text(f"Case {world.case_b}")
    page.goto(f"{server.url}/worklist?within_hours=1")
    expect(page.get_by_text("No cases match.")).to_be_visible()
    # The case page: summary, linked reports, media, routes, who viewed it.
    page.goto(f"{server.url}/worklist")
    page.get_by_role("link", name=f"Case {world.case_a}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Case {world.case_a}", exact=True)).to_be_visible()
    for heading in ("Summary", "Why this priority", "Linked reports", "Media",
                    "Routes and deliveries", "Notes", "History", "Who viewed what"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_text("known material")).to_be_visible()
    expect(page.get_by_text("Bank matches and provenance")).to_be_visible()
    expect(page.locator("section", has_text="Routes and deliveries")).to_contain_text("AG-A")
    expect(page.locator("section", has_text="Who viewed what")).to_contain_text("case.view")
    for image in page.locator("img.thumb").all():  # thumbnails arrive blurred, as PNG
        answer = page.request.get(server.url + str(image.get_attribute("src")))
        assert answer.status == 200 and answer.headers["x-tipline-view"] == "safe"
    screenshot(page, "case")
    axe_check(page)
    # The report page: what the reporter sent, its quality and its files.
    page.get_by_role("link", name=f"Report {world.report_a}").click()
    expect(page.get_by_role("heading", name=f"Report {world.report_a}")).to_be_visible()
    expect(page.get_by_role("heading", name="What the reporter sent")).to_be_visible()
    expect(page.locator("pre.document").first).to_contain_text("alice")
    expect(page.get_by_role("cell", name="a-known.jpg")).to_be_visible()
    screenshot(page, "report")
    axe_check(page)


def test_an_agency_user_sees_only_its_cases(page: Page, server: LiveServer) -> None:
    world = case_world(server.state)
    log_in(page, server, add_staff(server.state, "agency", organisation="AG-A"))
    expect(page.locator("#worklist")).to_contain_text(f"Case {world.case_a}")
    expect(page.locator("#worklist")).not_to_contain_text(f"Case {world.case_b}")
    expect(page.locator("[data-level]").first).to_be_visible()
    screenshot(page, "worklist-agency")
    page.get_by_role("link", name=f"Case {world.case_a}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Case {world.case_a}", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Who viewed what")).to_have_count(0)
    expect(page.locator("img.thumb")).to_have_count(0)  # evidence comes in its bundle
    axe_check(page)
    for url in (f"/cases/{world.case_b}", f"/reports/{world.report_b}"):
        answer = page.goto(server.url + url)
        assert answer is not None and answer.status == 404, url
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        assert str(world.case_b) not in page.inner_text("main")
        assert urlsplit(page.url).path == url
    screenshot(page, "not-found-other-agency")
