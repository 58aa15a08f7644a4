"""Administrators' pages in a browser: creating and deactivating a user, adding an agency,
setting a retention window; and the read-only bank pages of the centre's staff."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from web_support import PASSWORD, axe_check, log_in_as, screenshot

from pages_support import reporter_org
from tipline.audit.service import Actor
from tipline.banks import service as banks
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.state import AppState

from support import LiveServer


def test_an_admin_creates_a_user_who_then_logs_in(page: Page, server: LiveServer) -> None:
    org = reporter_org(server.state, "platform-admin")
    log_in_as(page, server, "admin")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.get_by_label("Username").fill("portal-person")
    page.get_by_label("Role").select_option("reporter")
    page.get_by_label("Organisation").fill(org)
    page.get_by_label("Jurisdiction").fill("GB")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("User portal-person (reporter) is created.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="portal-person")).to_contain_text(
        f"reporter{org}GB")
    screenshot(page, "admin-users")
    axe_check(page)

    # An agency user for an agency that does not exist is refused with the reason.
    page.get_by_label("Username").fill("lost-agency")
    page.get_by_label("Role").select_option("agency")
    page.get_by_label("Organisation").fill("NO-SUCH-AGENCY")
    page.get_by_label("Jurisdiction").fill("DE")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("no agency 'NO-SUCH-AGENCY'")).to_be_visible()

    page.goto(f"{server.url}/admin/users")
    page.get_by_role("button", name="Deactivate portal-person").click()
    expect(page.get_by_text("User portal-person is deactivated.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").fill("portal-person")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The username, password or one-time code is wrong.")


def test_an_admin_adds_an_agency_and_sets_a_retention_window(page: Page,
                                                             server: LiveServer) -> None:
    log_in_as(page, server, "admin")
    page.goto(f"{server.url}/admin/agencies")
    page.get_by_label("Code", exact=True).fill("AT-DESK")
    page.get_by_label("Name", exact=True).fill("Austrian desk")
    page.get_by_label("Countries served").fill("AT")
    page.get_by_label("Delivery method").select_option("pull")
    page.get_by_role("button", name="Add agency").click()
    expect(page.get_by_text("Agency AT-DESK is added.")).to_be_visible()
    screenshot(page, "admin-agencies")
    axe_check(page)
    page.get_by_role("link", name="Edit AT-DESK").click()
    page.get_by_label("Name", exact=True).fill("Austrian national desk")
    page.get_by_role("button", name="Save agency").click()
    expect(page.get_by_role("cell", name="Austrian national desk")).to_be_visible()

    page.goto(f"{server.url}/admin/retention")
    page.get_by_label("Country (ISO alpha-2)").fill("AT")
    page.get_by_label("Days (empty: unknown)").fill("90")
    page.get_by_label("Source (statute or order)").fill("test order")
    page.get_by_role("button", name="Set window").click()
    expect(page.get_by_text("AT: retention window 90 days.")).to_be_visible()
    expect(page.get_by_role("cell", name="test order")).to_be_visible()
    axe_check(page)


def test_admin_pages_are_for_admins_only(page: Page, server: LiveServer) -> None:
    log_in_as(page, server, "supervisor")
    for path in ("/admin/users", "/admin/agencies", "/admin/retention"):
        answer = page.goto(f"{server.url}{path}")
        assert answer is not None and answer.status == 403, path


def _bank_with_entries(state: AppState, count: int) -> None:
    with state.db.transaction() as session:
        bank = banks.create_bank(session, BankCreate(name="Test bank"), Actor("test"))
        records = [HashRecord(signal_type="md5", value=f"{i:032x}",
                              classifications={"industry": "A1" if i else "B2"},
                              contributor="Hotline A") for i in range(count)]
        banks.add_records(session, bank, records, Actor("test"))
        benign = banks.create_bank(session, BankCreate(name="Benign", kind="negative"),
                                   Actor("test"))
        banks.add_records(session, benign, [HashRecord(
            signal_type="md5", value=f"{0:032x}", contributor="Hotline B")], Actor("test"))


def test_the_banks_their_entries_and_the_consistency_report(page: Page,
                                                            server: LiveServer) -> None:
    _bank_with_entries(server.state, 60)
    username = log_in_as(page, server, "analyst")
    assert username
    page.get_by_role("link", name="Banks").click()
    expect(page.get_by_role("row", name="Test bank positive 60")).to_be_visible()
    screenshot(page, "banks")
    axe_check(page)
    page.get_by_role("link", name="Test bank").click()
    expect(page.get_by_role("heading", name="Bank Test bank")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(50)
    page.get_by_role("link", name="Next entries").click()
    expect(page.locator("tbody tr")).to_have_count(10)
    axe_check(page)
    page.goto(f"{server.url}/banks/report")
    expect(page.get_by_text("0 disagreements, 1 positive/negative conflicts.")).to_be_visible()
    screenshot(page, "banks-report")
    axe_check(page)


def test_an_agency_user_may_not_read_the_banks(page: Page, server: LiveServer) -> None:
    log_in_as(page, server, "agency")
    answer = page.goto(f"{server.url}/banks")
    assert answer is not None and answer.status == 403


def test_a_hash_list_is_imported_from_the_bank_page(page: Page, server: LiveServer,
                                                    tmp_path: Path) -> None:
    _bank_with_entries(server.state, 3)
    listing = tmp_path / "list.csv"
    listing.write_text("signal_type,value,contributor\n"
                       + "".join(f"md5,{i:032x},Hotline C\n" for i in range(100, 105)))
    broken = tmp_path / "broken.csv"
    broken.write_text("signal_type,value,contributor\nmd5,not-a-hash,Hotline C\n")
    log_in_as(page, server, "analyst")
    page.goto(f"{server.url}/banks")
    page.get_by_role("link", name="Test bank").click()
    page.get_by_label("File (VICS JSON").set_input_files(str(listing))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 5 records into Test bank: 5 new entries")).to_be_visible()
    expect(page.get_by_text("positive bank · 8 entries")).to_be_visible()
    axe_check(page)
    # A bad row refuses the whole file with the line that is wrong; nothing is stored.
    page.get_by_label("File (VICS JSON").set_input_files(str(broken))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("line 2")).to_be_visible()
    page.goto(f"{server.url}/banks")
    expect(page.get_by_role("row", name="Test bank positive 8")).to_be_visible()
