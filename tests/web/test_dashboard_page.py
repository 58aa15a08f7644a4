"""The dashboard in a browser: volumes, folding, time to desk and deadlines, drawn as inline
SVG with the numbers in tables; centre staff only."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from web_support import axe_check, log_in_as, screenshot

from pages_support import routed_case
from tipline.agencies.models import Agency
from tipline.audit.service import Actor
from tipline.delivery import service as delivery

from support import LiveServer


def test_the_dashboard_renders_with_numbers(page: Page, server: LiveServer) -> None:
    state = server.state
    routed_case(state, "AG-DASH")
    _, acked = routed_case(state, "AG-DASH", reporter="platform-second")
    routed_case(state, "AG-DASH", deadline_hours=-2)  # overdue and never acknowledged
    with state.db.transaction() as session:
        agency = session.query(Agency).filter_by(code="AG-DASH").one()
        delivery.acknowledge(session, agency, acked, Actor("test"), {})
    log_in_as(page, server, "supervisor")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    figure = page.locator("[data-figure]")
    expect(figure.and_(page.locator("[data-figure=reports]"))).to_have_text("3")
    expect(page.locator("[data-figure=cases]")).to_have_text("3")
    expect(page.locator("[data-figure=deadlines-met]")).to_have_text("1")
    expect(page.locator("[data-figure=deadlines-missed]")).to_have_text("1")
    expect(page.locator("[data-figure=deadlines-open]")).to_have_text("1")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.get_by_role("cell", name="AG-DASH")).to_be_visible()  # time to desk
    expect(page.locator("#chart-by-reporter-title + svg")).to_contain_text("Org platform-second")
    screenshot(page, "dashboard")
    axe_check(page)
    page.get_by_label("Window").select_option("7")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Window")).to_have_value("7")


def test_the_dashboard_is_for_centre_staff(page: Page, server: LiveServer) -> None:
    log_in_as(page, server, "agency")
    answer = page.goto(f"{server.url}/dashboard")
    assert answer is not None and answer.status == 403
