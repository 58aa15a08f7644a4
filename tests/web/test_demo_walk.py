"""The demo's cases worked by hand in a real browser, in every role, with the logins the demo
prints: an analyst takes the most urgent case, reviews a media cluster by keyboard and refers
the case; the Dutch agency acknowledges a case in its inbox and downloads its package; the
supervisor, administrator, hotline analyst, the German agency and the reporter organisation's
user each find their pages filled with the demo's data."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from rich.console import Console
from web_support import PATIENCE_MS, screenshot

from tipline.demo.runner import run_demo
from tipline.demo.seed import LOGINS, StaffLogin
from tipline.state import build_state

from support import LiveServer, free_port, make_settings

expect.set_options(timeout=PATIENCE_MS)


def login_of(username: str) -> StaffLogin:
    return next(entry for entry in LOGINS if entry.username == username)


# The tests share one demo run, in this order: the agency first, since the analyst's work
# changes cases (a newer version then replaces the one queued for the agency).
@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo run once (embedded SQLite, as `make demo`), then its data served again."""
    data = tmp_path_factory.mktemp("demo") / "var"
    settings = make_settings("", data, environment="development", worker_poll_seconds=0.1)
    out = io.StringIO()
    try:
        run_demo(settings, reports=12, port=free_port(), keep_running=False,
                 console=Console(file=out, width=200))
    except BaseException:
        print(out.getvalue())
        raise
    server = LiveServer(build_state(settings))
    server.start()
    yield server
    server.stop()


def log_in_with(page: Page, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(login_of(username).password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_dutch_agency_acknowledges_in_its_inbox(page: Page,
                                                    demo_server: LiveServer) -> None:
    log_in_with(page, demo_server, "demo-agency-nl")
    page.get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Waiting for your acknowledgement")).to_be_visible()
    row = page.locator("tbody tr").filter(
        has=page.get_by_role("button", name="Acknowledge")).first
    acknowledge = row.get_by_role("button", name="Acknowledge")
    expect(acknowledge).to_be_visible()
    package = row.get_by_role("link", name="Package (JSON)")
    answer = page.request.get(f"{demo_server.url}{package.get_attribute('href')}")
    assert answer.status == 200 and answer.json()["case_id"] > 0
    bundle = row.get_by_role("link", name="Evidence bundle (encrypted)")
    sealed = page.request.get(f"{demo_server.url}{bundle.get_attribute('href')}")
    assert sealed.status == 200 and sealed.body()[:4] == b"TLB1"  # sealed to the desk's key
    before = page.get_by_role("button", name="Acknowledge").count()
    acknowledge.click()
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(before - 1)
    screenshot(page, "demo-walk-inbox")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_analyst_works_a_demo_case_end_to_end(page: Page, demo_server: LiveServer) -> None:
    log_in_with(page, demo_server, "demo-analyst")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    page.get_by_role("button", name="Take next case").click()
    expect(page.get_by_role("button", name="Release")).to_be_visible()
    case_url = page.url
    page.get_by_label("Note").fill("Looked at the reports; referring to the desk.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Looked at the reports; referring to the desk.")).to_be_visible()
    page.get_by_label("New status").select_option("referred")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#casework")).to_contain_text("referred")
    screenshot(page, "demo-walk-casework")

    page.goto(f"{demo_server.url}/review")
    page.get_by_role("button", name="Review next").click()
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    page.locator("body").focus()
    page.keyboard.press("w")  # drawn: the demo's images are generated
    page.keyboard.press("d")  # adult
    page.keyboard.press("c")  # save
    expect(page.get_by_role("heading", name="Verdict per jurisdiction")).to_be_visible()
    screenshot(page, "demo-walk-review")
    page.goto(case_url)
    expect(page.get_by_text("referred").first).to_be_visible()


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize(("username", "path", "sees"), [
    ("demo-supervisor", "/review/overrides", "Exposure overrides"),
    ("demo-admin", "/admin/agencies", "DEMO-NL"),
    ("demo-admin", "/admin/users", "demo-agency-nl"),
    ("demo-hotline-analyst", "/worklist", "Take next case"),
    ("demo-supervisor", "/dashboard", "Reports per day"),
    ("demo-agency-de", "/inbox", "DEMO-DE"),
    ("demo-photoshare-staff", "/portal", "Report"),
])
def test_every_role_finds_the_demo_data(page: Page, demo_server: LiveServer, username: str,
                                        path: str, sees: str) -> None:
    log_in_with(page, demo_server, username)
    answer = page.goto(f"{demo_server.url}{path}")
    assert answer is not None and answer.status == 200
    expect(page.get_by_text(sees).first).to_be_visible()


def test_every_login_is_walked() -> None:
    walked = {"demo-analyst", "demo-agency-nl", "demo-supervisor", "demo-admin",
              "demo-hotline-analyst", "demo-agency-de", "demo-photoshare-staff"}
    assert {entry.username for entry in LOGINS} == walked
