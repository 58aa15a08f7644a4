"""Helpers of the browser tests: staff users of every role, logging in through the login
page, screenshots under test-output/screenshots/, and the accessibility check (axe-core)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from linking_support import bank_image, case_of, login, processed, submit
from tipline.agencies.models import Agency
from tipline.audit.service import Actor
from tipline.cases.models import Case
from tipline.db import utcnow
from tipline.routing.models import Route
from tipline.routing.store import record_countries
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg
from tipline.users.schemas import UserCreate
from tipline.users.service import create_user

from support import LiveServer

CHROMIUM = "/usr/bin/chromium"
PATIENCE_MS = 60_000  # a ceiling for progress on a loaded machine, never a budget
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PASSWORD = "a-long-staff-password-42"
STAFF_ROLES = ("analyst", "supervisor", "admin", "hotline_analyst", "agency")
BLOCKING_IMPACTS = ("serious", "critical")
_axe = Axe()


def ensure_agency(state: AppState, code: str) -> int:
    """An active agency with this code (created when missing)."""
    with state.db.transaction() as session:
        found = session.scalar(select(Agency.id).where(Agency.code == code))
        if found is not None:
            return int(found)
        agency = Agency(code=code, name=f"Agency {code}", countries=["DE"], channel="direct",
                        delivery_method="pull")
        session.add(agency)
        session.flush()
        return agency.id


def add_staff(state: AppState, role: str, username: str | None = None,
              organisation: str | None = None, jurisdiction: str = "US") -> str:
    """A staff user of `role`; an agency user's organisation is its agency's code (an agency
    AG-WEB is made for it unless another is named)."""
    username = username or f"{role}-user"
    if organisation is None:
        organisation = "AG-WEB" if role == "agency" else "Hotline"
    if role == "agency":
        ensure_agency(state, organisation)
    with state.db.transaction() as session:
        create_user(session, UserCreate(username=username, role=role, organisation=organisation,
                                        jurisdiction=jurisdiction, password=PASSWORD),
                    Actor("test"))
    return username


def log_in(page: Page, server: LiveServer, username: str, password: str = PASSWORD,
           next_path: str = "") -> None:
    """Log in through the login page and wait for the page it leads to."""
    query = f"?next={next_path}" if next_path else ""
    page.goto(f"{server.url}/login{query}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_in_as(page: Page, server: LiveServer, role: str, **staff: str) -> str:
    """A new user of `role`, logged in; returns its username."""
    username = add_staff(server.state, role, **staff)
    log_in(page, server, username)
    return username


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_check(page: Page) -> None:
    """No serious or critical accessibility violation on the page as it is now."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    report = "\n".join(f"{v['impact']}: {v['id']}: {v['help']} "
                       f"({[n['target'] for n in v['nodes']][:3]})" for v in blocking)
    assert not blocking, f"accessibility violations on {page.url}:\n{report}"


def expect_login_page(page: Page) -> None:
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert "/login" in page.url


@dataclass(frozen=True)
class CaseWorld:
    """Two cases from the real pipeline, each routed to its own agency (AG-A, AG-B)."""

    case_a: int
    case_b: int
    report_a: int
    report_b: int


def _route(state: AppState, case_id: int, agency_id: int, country: str) -> None:
    """A route as routing writes it (with its countries), and the case's deadline (routing
    owns it)."""
    deadline = utcnow() + dt.timedelta(hours=30)
    with state.db.transaction() as session:
        route = Route(case_id=case_id, agency_id=agency_id, channel_chain=["direct"],
                      reasons=[{"kind": "ip", "country": country}], deadline=deadline)
        session.add(route)
        session.flush()
        record_countries(session, [route], [])
        session.execute(update(Case).where(Case.id == case_id).values(deadline=deadline))


def case_world(state: AppState) -> CaseWorld:
    reporter = login(state)
    known, other = generate(71, size=(256, 192)), generate(72, size=(256, 192))
    bank_image(state, "known", "positive", to_jpeg(known))
    report_a = submit(state, reporter, {"a-known.jpg": to_jpeg(known),
                                        "a-own.jpg": to_jpeg(other)}, account="alice")
    report_b = submit(state, reporter, {"b-own.jpg": to_jpeg(generate(73, size=(256, 192)))},
                      account="bob")
    processed(state, report_a, report_b)
    cases = case_of(state)
    assert cases[report_a] != cases[report_b]
    _route(state, cases[report_a], ensure_agency(state, "AG-A"), "DE")
    _route(state, cases[report_b], ensure_agency(state, "AG-B"), "FR")
    return CaseWorld(cases[report_a], cases[report_b], report_a, report_b)
