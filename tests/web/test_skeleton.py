"""The web skeleton in a real browser: logging in and out in every role, the session's
expiry, CSRF, the 404 page, the offline API docs and accessibility of the login page."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner
from playwright.sync_api import Page, Route, expect
from web_support import (
    STAFF_ROLES,
    add_staff,
    axe_check,
    expect_login_page,
    log_in,
    screenshot,
)

from tipline.web.app import session_secret
from tipline.web.session import SESSION_COOKIE

from support import LiveServer


def test_every_staff_role_logs_in_and_out(page: Page, server: LiveServer) -> None:
    for role in STAFF_ROLES:
        username = add_staff(server.state, role)
        log_in(page, server, username)
        expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
        expect(page.get_by_text(f"{username} ({role})")).to_be_visible()
        if role == "analyst":
            screenshot(page, "worklist-empty")
        page.get_by_role("button", name="Log out").click()
        expect_login_page(page)
        expect(page.get_by_text("You are logged out.")).to_be_visible()
        page.goto(f"{server.url}/worklist")  # the old session is gone
        expect_login_page(page)


def test_a_wrong_password_stays_on_the_login_page(page: Page, server: LiveServer) -> None:
    username = add_staff(server.state, "analyst")
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not-the-password-at-all")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The username, password or one-time code is wrong.")
    screenshot(page, "login-wrong-password")
    axe_check(page)


def test_a_page_without_a_session_leads_to_login_and_back(page: Page,
                                                          server: LiveServer) -> None:
    username = add_staff(server.state, "supervisor")
    page.goto(f"{server.url}/worklist?level=P1")
    expect_login_page(page)
    assert "next=%2Fworklist%3Flevel%3DP1" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a-long-staff-password-42")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    assert urlsplit(page.url).path == "/worklist" and "level=P1" in page.url


def _aged_cookie(value: str, secret: str, age_seconds: int) -> str:
    """The same session, signed as if its last page request were `age_seconds` ago."""
    data = TimestampSigner(secret).unsign(value)
    payload = json.loads(base64.b64decode(data))

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    encoded = base64.b64encode(json.dumps(payload).encode())
    return Earlier(secret).sign(encoded).decode()


def test_a_session_ends_after_its_idle_minutes(page: Page, server: LiveServer) -> None:
    username = add_staff(server.state, "analyst")
    log_in(page, server, username)
    context = page.context
    cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    idle = int(server.state.settings.session_minutes * 60)
    secret = session_secret(server.state)
    # Just inside the idle time, the session still holds ...
    context.add_cookies([{**cookie, "value": _aged_cookie(cookie["value"], secret, idle - 60)}])
    page.goto(f"{server.url}/worklist")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    # The page's own requests (the counts fragment) re-sign the cookie as they answer: let
    # them finish, or one landing later would replace the aged cookie with a fresh one.
    page.wait_for_load_state("networkidle")
    # ... and just past it, the user must log in again.
    cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
    context.add_cookies([{**cookie, "value": _aged_cookie(cookie["value"], secret, idle + 5)}])
    page.goto(f"{server.url}/worklist")
    expect_login_page(page)


def test_a_form_without_its_csrf_token_is_refused(page: Page, server: LiveServer) -> None:
    username = add_staff(server.state, "analyst")
    log_in(page, server, username)
    page.eval_on_selector("form.logout input[name=csrf_token]", "input => input.remove()")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="You may not do this")).to_be_visible()
    assert "form has expired" in page.inner_text("main")
    screenshot(page, "csrf-refused")
    # A forged token is refused too; the session is still alive after both.
    answer = page.request.post(f"{server.url}/logout", form={"csrf_token": "forged"})
    assert answer.status == 403
    page.goto(f"{server.url}/worklist")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()


def test_an_unknown_case_is_the_404_page(page: Page, server: LiveServer) -> None:
    username = add_staff(server.state, "analyst")
    log_in(page, server, username)
    answer = page.goto(f"{server.url}/cases/987654")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert "987654" not in page.inner_text("main")
    axe_check(page)


def test_the_login_page_is_accessible(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    expect_login_page(page)
    screenshot(page, "login")
    axe_check(page)
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"


@pytest.mark.parametrize("path", ["/docs"])
def test_the_api_docs_render_with_the_network_closed(page: Page, server: LiveServer,
                                                     path: str) -> None:
    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost", "::1"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(f"{server.url}{path}")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("tipline")
    expect(page.locator(".opblock").first).to_be_visible()
    screenshot(page, "api-docs")
    assert blocked == []
