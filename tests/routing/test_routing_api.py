"""The routing APIs over HTTP: the admin registry with its validation errors, agency users'
routes, alerts, watches and forecast, and isolation between agencies; the CLI."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from typer.testing import CliRunner

from routing_support import add_agency_user, import_sample, new_case, report, route
from staff_support import STAFF_PASSWORD, add_user
from tipline.cli import app
from tipline.db import utcnow
from tipline.state import AppState

from support import LiveServer, add_reporter


def test_admin_registry_and_validation(server: LiveServer, state: AppState,
                                       http: httpx.Client) -> None:
    import_sample(state)
    add_user(state, "root", role="admin")
    add_user(state, "ana", role="analyst")
    admin, url = ("root", STAFF_PASSWORD), f"{server.url}/api/v1/admin"
    assert http.get(f"{url}/agencies", auth=("ana", STAFF_PASSWORD)).status_code == 403
    listed = {a["code"]: a for a in http.get(f"{url}/agencies", auth=admin).json()}
    assert listed["SE-NOA"]["channel_chain"] == ["EUROPOL", "SE-NOA"]
    new = {"code": "FI-KRP", "name": "Finnish desk (sample)", "countries": ["FI"],
           "channel": "europol", "via_code": "EUROPOL", "delivery_method": "pull"}
    bad = http.post(f"{url}/agencies", auth=admin, json={**new, "countries": ["FI", "XY"]})
    assert bad.status_code == 400 and "unknown country code(s) XY" in bad.json()["error"][
        "message"]
    created = http.post(f"{url}/agencies", auth=admin, json=new)
    assert created.status_code == 201 and created.json()["channel_chain"] == ["EUROPOL",
                                                                              "FI-KRP"]
    assert http.post(f"{url}/agencies", auth=admin, json=new).status_code == 400  # exists
    busy = http.patch(f"{url}/agencies/EUROPOL", auth=admin, json={"active": False})
    assert busy.status_code == 400 and "intermediary of" in busy.json()["error"]["message"]
    off = http.patch(f"{url}/agencies/FI-KRP", auth=admin, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert http.patch(f"{url}/agencies/NOPE", auth=admin, json={}).status_code == 404
    negative = http.put(f"{url}/retention/SE", auth=admin, json={"days": -3, "source": "x"})
    assert negative.status_code == 400 and "must not be negative" in negative.json()["error"][
        "message"]
    assert http.put(f"{url}/retention/ZZ", auth=admin, json={"days": 3}).status_code == 400
    set_se = http.put(f"{url}/retention/SE", auth=admin, json={"days": 30, "source": "order"})
    assert set_se.json() == {"country": "SE", "days": 30, "source": "order",
                             "origin": "override", "assumed": False}
    table = {r["country"]: r for r in http.get(f"{url}/retention", auth=admin).json()}
    assert table["DE"]["assumed"] and table["FR"]["days"] == 365


def test_agency_users_see_only_their_own(server: LiveServer, state: AppState,
                                         http: httpx.Client) -> None:
    import_sample(state)
    add_reporter(state, "platform-a", country="US")
    se_user = add_agency_user(state, "se-desk", "SE-NOA")
    de_user = add_agency_user(state, "de-desk", "DE-BKA")
    add_user(state, "ana", role="analyst")
    me = f"{server.url}/api/v1/agencies/me"
    watch = http.post(f"{me}/watches", auth=de_user, json={
        "kind": "account", "value": "user-9", "service": "ExampleChat", "reference": "op-1"})
    assert watch.status_code == 201 and watch.json()["value"] == "examplechat|user-9"
    invalid = http.post(f"{me}/watches", auth=de_user, json={"kind": "ip", "value": "x"})
    assert invalid.status_code == 400
    assert http.get(f"{me}/watches", auth=("ana", STAFF_PASSWORD)).status_code == 403
    t = utcnow() - dt.timedelta(hours=1)
    se_case = new_case(state, report(state, "platform-a", ips=[("192.0.2.10", t)],
                                     idents=[("account", "examplechat|user-9")]))
    de_case = new_case(state, report(state, "platform-a", ips=[("192.0.2.20", t)]))
    route(state, se_case)
    route(state, de_case)
    se_routes = http.get(f"{me}/routes", auth=se_user).json()
    assert [r["case_id"] for r in se_routes] == [se_case]
    assert se_routes[0]["channel_chain"] == ["EUROPOL", "SE-NOA"]
    assert [r["case_id"] for r in http.get(f"{me}/routes", auth=de_user).json()] == [de_case]
    se_alerts = http.get(f"{me}/alerts", auth=se_user).json()
    de_alerts = http.get(f"{me}/alerts", auth=de_user).json()
    assert [a["kind"] for a in se_alerts] == ["deconfliction"]
    assert "op-1" not in se_alerts[0]["message"] and "DE-BKA" in se_alerts[0]["message"]
    assert [a["kind"] for a in de_alerts] == ["deconfliction"]
    assert "op-1" in de_alerts[0]["message"]
    # Another agency's watch is not there for you.
    watch_id = watch.json()["id"]
    assert http.delete(f"{me}/watches/{watch_id}", auth=se_user).status_code == 404
    assert http.get(f"{me}/watches", auth=se_user).json() == []
    assert http.delete(f"{me}/watches/{watch_id}", auth=de_user).status_code == 204
    assert http.get(f"{me}/watches", auth=de_user).json() == []
    forecast = http.get(f"{me}/forecast", auth=se_user).json()
    assert forecast["agency"] == "SE-NOA" and forecast["recent_cases"] == 1
    assert forecast["deadlines_next_7d"] == 1  # Sweden: assumed 7 days from an hour ago
    staff = http.get(f"{server.url}/api/v1/cases/{se_case}/routes",
                     auth=("ana", STAFF_PASSWORD)).json()
    assert [r["agency"] for r in staff] == ["SE-NOA"]
    assert http.get(f"{server.url}/api/v1/cases/{se_case}/routes", auth=se_user
                    ).status_code == 403
    stranger = add_agency_user(state, "nobody", "XX-NONE")
    assert http.get(f"{me}/routes", auth=stranger).status_code == 404




@pytest.mark.usefixtures("cli_env")
def test_agencies_cli(state: AppState) -> None:
    runner = CliRunner()
    imported = runner.invoke(app, ["agencies", "import"])
    assert imported.exit_code == 0 and "13 agencies imported" in imported.output
    listed = runner.invoke(app, ["agencies", "list"])
    assert "EUROPOL -> SE-NOA" in listed.output
    bad = runner.invoke(app, ["agencies", "add", "XX-1", "--name", "x", "--countries", "QQ"])
    assert bad.exit_code == 1 and "unknown country code(s) QQ" in bad.output
    ok = runner.invoke(app, ["agencies", "add", "FI-KRP", "--name", "Finland", "--countries",
                             "FI", "--channel", "europol", "--via", "EUROPOL"])
    assert ok.exit_code == 0, ok.output
    assert runner.invoke(app, ["agencies", "update", "FI-KRP", "--contact", "x@example.org"]
                         ).exit_code == 0
    assert runner.invoke(app, ["agencies", "disable", "FI-KRP"]).exit_code == 0
    assert runner.invoke(app, ["agencies", "disable", "EUROPOL"]).exit_code == 1
    negative = runner.invoke(app, ["agencies", "retention", "SE", "--", "-4"])
    assert negative.exit_code == 1 and "must not be negative" in negative.output
    assert runner.invoke(app, ["agencies", "retention", "SE", "30"]).exit_code == 1  # no source
    assert runner.invoke(app, ["agencies", "retention", "SE", "30", "--source", "order"]
                         ).exit_code == 0
    forecast = runner.invoke(app, ["agencies", "forecast", "SE-NOA", "--json"])
    assert forecast.exit_code == 0 and '"queued_now": 0' in forecast.output
