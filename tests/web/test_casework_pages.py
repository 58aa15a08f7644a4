"""Casework in the browser: take a case from the worklist, add a note and close it with a
reason, through htmx forms with their CSRF token; a held case's conflict is shown in place;
an agency user reads the panel without its forms; a form without its token is refused."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect
from web_support import add_staff, axe_check, log_in, log_in_as, screenshot

from casework_support import LEASE, actor, add_cases, case_row, staff
from tipline.cases import casework_usecases as cases
from tipline.routing.models import Route

from support import LiveServer


def test_take_from_the_worklist_note_and_close(page: Page, server: LiveServer) -> None:
    state = server.state
    low, urgent = add_cases(state, [("P3", 30), ("P1", 150)])
    username = log_in_as(page, server, "analyst")
    page.goto(f"{server.url}/worklist")
    page.get_by_role("button", name="Take next case").click()
    expect(page.get_by_role("heading", name=f"Case {urgent}", exact=True)).to_be_visible()
    expect(page.get_by_text(f"You took case {urgent}.")).to_be_visible()
    expect(page.get_by_test_id("holder")).to_contain_text(username)
    expect(page.get_by_test_id("status")).to_have_text("in review")

    page.get_by_label("Note").fill("Two accounts, one device: asked the platform for more.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Note added.")).to_be_visible()
    expect(page.locator(".notes .note-text")).to_have_text(
        "Two accounts, one device: asked the platform for more.")
    screenshot(page, "casework-panel")
    axe_check(page)

    page.get_by_label("New status").select_option("closed")
    page.get_by_label("Closing reason (to close)").select_option("no_lead")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status")).to_have_text(
        "closed (no lead / insufficient information)")
    expect(page.get_by_test_id("holder")).to_have_text("nobody")
    found = case_row(state, urgent)
    assert (found.status, found.work_status, found.closing_reason, found.owner_id) == (
        "closed", "closed", "no_lead", None)
    page.goto(f"{server.url}/worklist")
    expect(page.get_by_role("link", name=f"Case {low}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Case {urgent}")).to_have_count(0)


def test_a_case_held_by_another_says_so_in_place(page: Page, server: LiveServer) -> None:
    state = server.state
    [case_id] = add_cases(state, [("P2", 70)])
    log_in_as(page, server, "analyst")
    page.goto(f"{server.url}/cases/{case_id}/work")
    bob = staff(state, "bob")
    cases.take_case(state.db, LEASE, bob, actor(bob), case_id)
    page.get_by_role("button", name="Take this case").click()
    expect(page.get_by_role("alert")).to_contain_text("held by bob")


def test_agency_users_read_the_panel_without_forms(page: Page, server: LiveServer) -> None:
    state = server.state
    routed, other = add_cases(state, [("P2", 70), ("P2", 70)])
    username = add_staff(state, "agency")
    with state.db.transaction() as session:
        from sqlalchemy import select

        from tipline.agencies.models import Agency

        agency_id = session.scalar(select(Agency.id).where(Agency.code == "AG-WEB"))
        session.add(Route(case_id=routed, agency_id=agency_id))
    log_in(page, server, username)
    page.goto(f"{server.url}/cases/{routed}/work")
    expect(page.get_by_role("heading", name="Casework")).to_be_visible()
    expect(page.get_by_role("button", name="Add note")).to_have_count(0)
    page.goto(f"{server.url}/worklist")
    expect(page.get_by_role("button", name="Take next case")).to_have_count(0)
    page.goto(f"{server.url}/cases/{other}/work")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_a_casework_form_without_its_token_is_refused(page: Page, server: LiveServer) -> None:
    [case_id] = add_cases(server.state, [("P2", 70)])
    log_in_as(page, server, "analyst")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=server.url, cookies=cookies) as client:
        refused = client.post(f"/cases/{case_id}/take", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert case_row(server.state, case_id).owner_id is None
