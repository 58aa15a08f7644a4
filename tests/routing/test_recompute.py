"""Routing again after the registry changed: a case routed before any agency was registered
raises an `unroutable` alert staff see (CLI and API); `tipline routing recompute` queues the
case on the work queue (it never routes in the command), and the work-items worker routes it,
re-triages it, queues its delivery and settles the alert."""

from __future__ import annotations

import datetime as dt
from functools import partial

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from routing_support import config, import_sample, new_case, report, route
from staff_support import STAFF_PASSWORD, add_user
from tipline.agencies.models import Agency
from tipline.alerts.models import Alert
from tipline.cli import app
from tipline.delivery.models import Delivery
from tipline.pipeline.reroute import reroute
from tipline.reporters.models import Reporter
from tipline.routing.models import Route
from tipline.routing.service import REROUTE
from tipline.state import AppState
from tipline.workqueue.models import WorkItem

from support import LiveServer, add_reporter

runner = CliRunner()
AT = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


def unroutable_case(state: AppState) -> int:
    with state.db.sessions() as session:
        known = session.scalar(select(Reporter.id).where(Reporter.username == "platform-a"))
    if known is None:
        add_reporter(state, "platform-a")
    """A case placed in Sweden, routed while the registry is empty (a fresh install)."""
    reporter_id = report(state, "platform-a", ips=[("192.0.2.10", AT)])
    case_id = new_case(state, reporter_id)
    outcome = route(state, case_id, config(fallback=None))
    assert outcome.active == []
    return case_id


def use_test_geo(state: AppState) -> None:
    """The work queue's handler as built, with the test country table and fake resolver."""
    state.items.register(REROUTE, partial(reroute, config(), None))


def test_recompute_routes_an_unroutable_case_through_the_work_queue(
        cli_env: None, state: AppState) -> None:
    assert REROUTE in state.items.handlers  # registered at the composition root
    case_id = unroutable_case(state)
    listed = runner.invoke(app, ["alerts", "list", "--kind", "unroutable"])
    assert listed.exit_code == 0, listed.output
    assert f"case {case_id} is not routed" in listed.output
    assert "tipline routing recompute" in listed.output

    import_sample(state)
    result = runner.invoke(app, ["routing", "recompute", "--case", str(case_id)])
    assert result.exit_code == 0, result.output
    assert "1 case(s) queued" in result.output
    with state.db.sessions() as session:  # queued, not routed by the command
        assert session.scalars(select(Route)).all() == []
        items = session.scalars(select(WorkItem).where(WorkItem.queue == REROUTE)).all()
        assert [i.key for i in items] == [str(case_id)]

    use_test_geo(state)
    assert state.items.run_until_idle() >= 1
    with state.db.sessions() as session:
        codes = {a.id: a.code for a in session.scalars(select(Agency))}
        routes = session.scalars(select(Route).where(Route.status == "active")).all()
        deliveries = session.scalars(select(Delivery)).all()
        alert = session.scalars(select(Alert).where(Alert.kind == "unroutable")).one()
    assert [codes[r.agency_id] for r in routes] == ["SE-NOA"]
    assert [codes[d.agency_id] for d in deliveries] == ["SE-NOA"]
    assert alert.acknowledged_at is not None  # settled: the case is routed now
    after = runner.invoke(app, ["alerts", "list"])
    assert after.exit_code == 0 and "no open alerts" in after.output


def test_recompute_every_open_case_and_unknown_case(cli_env: None, state: AppState) -> None:
    first, second = unroutable_case(state), unroutable_case(state)
    result = runner.invoke(app, ["routing", "recompute"])
    assert result.exit_code == 0, result.output
    assert "2 case(s) queued" in result.output
    with state.db.sessions() as session:
        keys = sorted(i.key for i in session.scalars(select(WorkItem)))
    assert keys == sorted([str(first), str(second)])
    missing = runner.invoke(app, ["routing", "recompute", "--case", "999999"])
    assert missing.exit_code == 1
    assert missing.output.strip() == "error: case 999999 does not exist"


def test_importing_the_registry_queues_open_cases_again(cli_env: None, state: AppState
                                                        ) -> None:
    case_id = unroutable_case(state)
    result = runner.invoke(app, ["agencies", "import"])
    assert result.exit_code == 0, result.output
    assert "1 open case(s) queued for routing again" in result.output
    with state.db.sessions() as session:
        assert [i.key for i in session.scalars(select(WorkItem))] == [str(case_id)]


def test_staff_read_unroutable_alerts_through_the_api(state: AppState, server: LiveServer,
                                                      http: httpx.Client) -> None:
    case_id = unroutable_case(state)
    add_user(state, "analyst-1")
    auth = ("analyst-1", STAFF_PASSWORD)
    found = http.get(f"{server.url}/api/v1/alerts", params={"kind": "unroutable"}, auth=auth)
    assert found.status_code == 200, found.text
    assert [(a["kind"], a["case_id"]) for a in found.json()] == [("unroutable", case_id)]
    bad = http.get(f"{server.url}/api/v1/alerts", params={"kind": "nonsense"}, auth=auth)
    assert bad.status_code == 400
