"""The routing stage in the pipeline: after classification, a finished report's case is
routed, then triaged and handed to delivery by the stages after it; a second report joining
the case re-routes it."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from sqlalchemy import select

from linking_support import login, run, submit
from routing_support import config, import_sample
from tipline.agencies.models import Agency
from tipline.delivery.models import Delivery
from tipline.pipeline.models import PipelineJob
from tipline.routing import stages
from tipline.routing.models import Route
from tipline.state import AppState


def use_test_geo(state: AppState) -> None:
    """The stage as built, with the test country table and the fake resolver."""
    stage = state.runner.stages["routing"]
    cfg = config()
    state.runner.stages["routing"] = replace(stage, prepare=partial(stages.resolve, state.db, cfg),
                                             apply=partial(stages.route, cfg))


def test_the_pipeline_routes_and_reroutes_a_case(state: AppState) -> None:
    assert state.runner.order.index("triage") == state.runner.order.index("routing") + 1
    assert state.runner.order.index("delivery") == state.runner.order.index("triage") + 1
    import_sample(state)
    use_test_geo(state)
    reporter = login(state)
    first = submit(state, reporter, {}, account="user-7", ip="192.0.2.10",
                   at="2026-11-20T10:00:00Z")
    run(state)
    second = submit(state, reporter, {}, account="user-7", ip="192.0.2.20",
                    at="2026-11-20T11:00:00Z")
    run(state)
    with state.db.sessions() as session:
        jobs = {j.report_id: j.status for j in session.scalars(select(PipelineJob))}
        assert jobs == {first: "done", second: "done"}
        names = {a.id: a.code for a in session.scalars(select(Agency))}
        routes = list(session.scalars(select(Route).order_by(Route.id)))
        deliveries = list(session.scalars(select(Delivery)))
    assert len({r.case_id for r in routes}) == 1
    active = sorted(names[r.agency_id] for r in routes if r.status == "active")
    assert active == ["DE-BKA", "SE-NOA"]
    se = next(r for r in routes if names[r.agency_id] == "SE-NOA")
    assert se.channel_chain == ["EUROPOL", "SE-NOA"] and se.status == "active"
    assert {names[d.agency_id] for d in deliveries} >= {"SE-NOA", "DE-BKA"}
