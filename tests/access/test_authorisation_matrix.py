"""The authorisation matrix, generated from the app's route table: every route and page is
called as every principal of `authz_matrix.PRINCIPALS` (every role, each organisation's
counterpart in another organisation, reporter credentials and an API key, and anonymous), on a
live server over HTTP, on both databases. The test fails on a route the matrix does not list
(or lists but the app lacks), on any access beyond the matrix, on a gate that refuses whom the
matrix allows, and on any server error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from access_support import World, build_world
from authz_matrix import MATRIX, PRINCIPALS
from delivery_support import add_agency
from sqlalchemy import select
from starlette.routing import Mount

from staff_support import STAFF_PASSWORD, add_user
from tipline.audit.service import Actor
from tipline.banks.models import Bank
from tipline.db import utcnow
from tipline.reporters.apikeys import create_key
from tipline.reporters.models import Reporter
from tipline.settings import Settings
from tipline.state import AppState
from tipline.takedown.models import TakedownUrl
from tipline.users.models import User
from tipline.users.schemas import UserCreate
from tipline.users.service import create_user

from factories import file_doc
from support import PASSWORD, LiveServer, add_reporter, make_settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STAFF_ROLES = {"analyst": "analyst", "supervisor": "supervisor", "admin": "admin",
               "hotline": "hotline_analyst"}
LAST = ("POST /login", "POST /logout")  # they end or replace the caller's page session
API_PREFIXES = ("/api/", "/ispws/")


def app_routes(app: Any) -> Iterator[str]:
    """Every "METHOD /path" the app answers (HEAD aside), through included routers."""
    for route in app.routes if hasattr(app, "routes") else app:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from app_routes(original.routes)
        elif not isinstance(route, Mount):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield f"{method} {route.path}"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Every call comes from 127.0.0.1 and reporters' credentials fail on staff routes by the
    hundred: login throttling stays out of the way, so each call reaches its route's gate."""
    return make_settings(db_url, tmp_path / "var", login_free_failures_account=100_000,
                         login_free_failures_address=100_000)


def test_every_route_of_the_app_is_in_the_matrix(state: AppState, server: LiveServer) -> None:
    routes = set(app_routes(server.server.config.app))
    missing = sorted(routes - MATRIX.keys())
    gone = sorted(MATRIX.keys() - routes)
    assert not missing, ("routes the authorisation matrix does not list; add one line each "
                         "to tests/access/authz_matrix.py MATRIX: " + "; ".join(missing))
    assert not gone, "routes in the matrix the app no longer has: " + "; ".join(gone)


@dataclass
class Principal:
    name: str
    http: httpx.Client
    login: tuple[str, str] | None = None  # page login, for staff
    csrf: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def refresh_csrf(self) -> None:
        found = CSRF.search(self.http.get("/login").text)
        assert found, f"{self.name}: no CSRF token on the login page"
        self.csrf = found.group(1)


def _client(server: LiveServer, auth: tuple[str, str] | None = None,
            key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=server.url, auth=auth, headers=headers, timeout=60,
                        follow_redirects=False)


def _principals(state: AppState, server: LiveServer, world: World) -> dict[str, Principal]:
    add_reporter(state, "platform-b")
    staff: dict[str, tuple[str, str]] = {
        **{name: add_user(state, f"m-{name}", role) for name, role in STAFF_ROLES.items()},
        "agency": world.user_a, "agency_other": world.user_b,
        "reporter_user": _portal_user(state, "m-reporter_user", "platform-a"),
        "reporter_user_other": _portal_user(state, "m-reporter_user_other", "platform-b")}
    found = {name: Principal(name, _client(server, login), login)
             for name, login in staff.items()}
    found["reporter_api"] = Principal("reporter_api", _client(server, ("platform-a", PASSWORD)))
    found["reporter_api_other"] = Principal("reporter_api_other",
                                            _client(server, ("platform-b", PASSWORD)))
    found["reporter_key"] = Principal("reporter_key", _client(server, key=_api_key(state)))
    found["anonymous"] = Principal("anonymous", _client(server))
    for principal in found.values():
        _log_in(principal)
    assert set(found) == set(PRINCIPALS)
    return found


def _log_in(principal: Principal) -> None:
    principal.refresh_csrf()
    if principal.login is not None:
        username, password = principal.login
        answer = principal.http.post("/login", data={"username": username, "password": password,
                                                     "csrf_token": principal.csrf})
        assert answer.status_code == 303, f"{principal.name} cannot log in: {answer.text[:200]}"
        principal.refresh_csrf()


def _portal_user(state: AppState, username: str, organisation: str) -> tuple[str, str]:
    with state.db.transaction() as session:
        create_user(session, UserCreate(username=username, role="reporter",
                                        organisation=organisation, jurisdiction="US",
                                        password=STAFF_PASSWORD), Actor("test"))
    return username, STAFF_PASSWORD


def _api_key(state: AppState) -> str:
    with state.db.transaction() as session:
        reporter = session.query(Reporter).filter_by(username="platform-a").one()
        return create_key(session, reporter, "matrix", ["report", "match"], 30, 365,
                          Actor("test")).key


def _path_values(state: AppState, server: LiveServer, world: World) -> dict[str, str]:
    """A value for every path parameter: the world's things, owned by A's organisations; an
    administrator's target (a user, an agency, an API key) is a spare one, so that changing
    it does not change what the other principals may do."""
    spare = add_user(state, "m-spare")[0]
    add_agency(state, "AG-SPARE", method="pull")
    with state.db.transaction() as session:
        reporter = session.scalars(select(Reporter).where(Reporter.username == "platform-b")
                                   ).one()
        spare_key = create_key(session, reporter, "spare", ["report"], 30, 365, Actor("test"))
    watch = httpx.post(f"{server.url}/api/v1/agencies/me/watches", auth=world.user_a,
                       json={"kind": "email", "value": "w@example.test"})
    assert watch.status_code == 201, watch.text
    with state.db.transaction() as session:
        url = TakedownUrl(url="https://host.test/matrix", digest="f" * 64, host="host.test",
                          status="new", notes=[], addresses=[], first_seen_at=utcnow(),
                          down_streak=0, level=0)
        session.add(url)
        session.flush()
        url_id = url.id
    with state.db.sessions() as session:
        bank = session.scalars(select(Bank)).first()
        spare_id = session.scalar(select(User.id).where(User.username == spare))
        assert bank is not None and spare_id is not None
        return {"case_id": str(world.case_a), "cluster_id": str(world.own_cluster_a),
                "file_id": world.file_a, "report_id": str(world.report_a),
                "delivery_id": str(world.delivery_a), "watch_id": str(watch.json()["id"]),
                "code": "AG-SPARE", "country": "DE", "user_id": str(spare_id),
                "name": bank.name, "bank_id": str(bank.id), "enabled": "true",
                "reveal_id": "1", "key_id": str(spare_key.id), "what": "package.json",
                "url_id": str(url_id), "fmt": "json"}


HASH = "0" * 32


def _bodies(values: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Well-formed bodies for routes that read their body before their gate, so each call
    reaches the gate instead of stopping at a 400. Ids that name nothing (999999) keep the
    allowed principals' calls from changing the world the next principal sees."""
    none = 999999
    return {
        "POST /api/v1/banks": {"json": {"name": "matrix-bank"}},
        "POST /api/v1/banks/{name}/entries": {"json": {"type": "md5", "value": HASH}},
        "POST /api/v1/banks/{name}/entries/enabled/{enabled}": {
            "json": {"type": "md5", "value": HASH}},
        "POST /api/v1/banks/{name}/import": {"content": f"md5 {HASH}\n".encode(),
                                             "params": {"format": "hma"}},
        "POST /banks/{bank_id}/import": {"files": {"file": ("l.txt", f"md5 {HASH}\n")},
                                         "data": {"format": "hma"}},
        "POST /api/v1/cases/{case_id}/assign": {"json": {"user_id": int(values["user_id"])}},
        "POST /cases/{case_id}/assign": {"data": {"user_id": values["user_id"]}},
        "POST /api/v1/cases/{case_id}/merge": {"json": {"other_case_id": none}},
        "POST /cases/{case_id}/merge": {"data": {"other_case_id": str(none)}},
        "POST /api/v1/cases/{case_id}/notes": {"json": {"text": "matrix"}},
        "POST /api/v1/cases/{case_id}/split": {"json": {"report_id": none}},
        "POST /cases/{case_id}/split": {"data": {"report_id": str(none)}},
        "POST /api/v1/cases/{case_id}/status": {"json": {"status": "in_review"}},
        "POST /cases/{case_id}/status": {"data": {"status": "in_review"}},
        "POST /api/v1/cases/{case_id}/unlink": {"json": {"report_id": none,
                                                          "other_report_id": none - 1}},
        "POST /cases/{case_id}/unlink": {"data": {"link": f"{none}-{none - 1}"}},
        "POST /api/v1/reports/{report_id}/files": {"files": {"file": ("m.png", b"\x89PNG")}},
        "PUT /api/v1/reports/{report_id}/files/{file_id}": {"json": file_doc()},
        # the registries check their form before their gate (a use case decides who may add)
        "POST /admin/providers": {"data": {"name": "Matrix Hosting", "contact": "a@m.test"}},
        "POST /api/v1/takedown/providers": {"json": {"name": "Matrix Hosting API",
                                                     "contact": "a@m.test"}},
        "POST /admin/hotlines": {"data": {"country": "ZZ", "name": "Matrix hotline",
                                          "contact": "h@m.test"}},
        "POST /api/v1/takedown/hotlines": {"json": {"country": "ZY", "name": "Matrix API",
                                                    "contact": "h@m.test"}},
    }


def _refused(route: str, answer: httpx.Response) -> bool:
    """The gate said no: unauthenticated, forbidden, throttled, or (a page) sent to log in."""
    if answer.status_code in (401, 403, 429):
        return True
    to_login = answer.status_code in (302, 303, 307) and \
        answer.headers.get("location", "").startswith("/login")
    return to_login and route not in LAST


def _denied(route: str, answer: httpx.Response) -> bool:
    """No access: refused, or a 404 (a thing the principal may not know is not found)."""
    return answer.status_code == 404 or _refused(route, answer)


def _call(principal: Principal, route: str, values: dict[str, str],
          bodies: dict[str, dict[str, Any]]) -> httpx.Response:
    method, path = route.split(" ", 1)
    url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    headers = {} if path.startswith(API_PREFIXES) else {"X-CSRF-Token": principal.csrf}
    body = bodies.get(route, {})
    if route == "POST /login":
        username, password = principal.login or ("nobody-at-all", "wrong-password-123456")
        body = {"data": {"username": username, "password": password,
                         "csrf_token": principal.csrf}}
    return principal.http.request(method, url, headers=headers, **body)


def test_every_principal_reaches_exactly_what_the_matrix_allows(
        state: AppState, server: LiveServer) -> None:
    world = build_world(state)
    principals = _principals(state, server, world)
    values = _path_values(state, server, world)
    bodies = _bodies(values)
    routes = sorted(MATRIX, key=lambda r: (r in LAST, LAST.index(r) if r in LAST else 0, r))
    beyond, refused, errors = [], [], []
    for name, principal in principals.items():
        for route in routes:
            answer = _call(principal, route, values, bodies)
            if route == "POST /login":
                principal.refresh_csrf()
            if answer.status_code >= 500:
                errors.append(f"{route} as {name}: {answer.status_code}")
            elif name in MATRIX[route] and _refused(route, answer):
                refused.append(f"{route} as {name}: {answer.status_code}")
            elif name not in MATRIX[route] and not _denied(route, answer):
                beyond.append(f"{route} as {name}: {answer.status_code}")
        principal.http.close()
    calls = len(routes) * len(principals)
    assert not errors, f"server errors in {calls} calls:\n" + "\n".join(errors)
    assert not beyond, f"access beyond the matrix in {calls} calls:\n" + "\n".join(beyond)
    assert not refused, "gates refusing whom the matrix allows:\n" + "\n".join(refused)
