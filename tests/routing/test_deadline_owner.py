"""One owner of deadlines: after every stage of the pipeline, each case's deadline is the
earliest deadline of its active routes (none without any), on both databases.

Four reports run through the stages one stage at a time: two become separate cases routed to
Sweden and Germany, a third joins the first with a French lead, and a fourth bridges the two
cases, which linking merges and routing then re-routes as one."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial

from sqlalchemy import select

from linking_support import login, submit
from routing_support import config, import_sample
from tipline.cases.models import Case
from tipline.db import utcnow
from tipline.delivery.models import Delivery
from tipline.pipeline.stage import Stage
from tipline.pipeline.stages import build_stages
from tipline.routing import stages as routing
from tipline.routing.models import Route
from tipline.state import AppState


def stages_with_test_geo(state: AppState) -> list[Stage]:
    """The pipeline as built from settings, with routing on the test country table."""
    cfg = config()
    return [replace(s, prepare=partial(routing.resolve, state.db, cfg),
                    apply=partial(routing.route, cfg)) if s.name == "routing" else s
            for s in build_stages(state.db, state.evidence, state.index, state.settings)]


def deadlines(state: AppState) -> dict[int, tuple[dt.datetime | None, dt.datetime | None]]:
    """Per case: (its deadline, the earliest deadline of its active routes)."""
    with state.db.sessions() as session:
        routes = list(session.scalars(select(Route).where(Route.status == "active")))
        found = {}
        for case in session.scalars(select(Case)):
            due = [r.deadline for r in routes if r.case_id == case.id and r.deadline]
            found[case.id] = (case.deadline, min(due, default=None))
        return found


def run_stage_by_stage(state: AppState, stages: list[Stage], report_id: int) -> list[str]:
    """Each stage of the report in its own transaction, as the pipeline commits them; the
    deadlines are checked after every one. Returns the stages after which deliveries grew."""
    grew = []
    for stage in stages:
        before = _deliveries(state)
        prepared = stage.prepare(report_id) if stage.prepare else None
        with state.db.transaction() as session:
            stage.apply(session, report_id, prepared)
        for case_id, (deadline, earliest) in deadlines(state).items():
            assert deadline == earliest, (f"case {case_id} after {stage.name} of report "
                                          f"{report_id}: {deadline} != {earliest}")
        if _deliveries(state) > before:
            grew.append(stage.name)
    return grew


def _deliveries(state: AppState) -> int:
    with state.db.sessions() as session:
        return len(session.scalars(select(Delivery.id)).all())


def _at(days_ago: float) -> str:
    return (utcnow() - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_after_every_stage_a_cases_deadline_is_its_earliest_route_deadline(
        state: AppState) -> None:
    import_sample(state)
    stages = stages_with_test_geo(state)
    assert [s.name for s in stages][-3:] == ["routing", "triage", "delivery"]
    reporter = login(state)
    # Sweden: the default 7-day window (assumed), captured 6 days ago: at risk.
    first = submit(state, reporter, {}, account="user-1", ip="192.0.2.10", at=_at(6))
    assert run_stage_by_stage(state, stages, first) == ["delivery"]
    second = submit(state, reporter, {}, account="user-2", email="two@example.test",
                    ip="192.0.2.20", at=_at(2))
    assert run_stage_by_stage(state, stages, second) == ["delivery"]
    with state.db.sessions() as session:
        cases = list(session.scalars(select(Case).order_by(Case.id)))
        assert len(cases) == 2 and all(c.deadline is not None for c in cases)
        # Triage, after routing, read the deadline at risk and raised the priority for it.
        urgent = [["within 72 hours" in r["reason"] for r in c.priority_reasons] for c in cases]
        assert any(urgent[0]) and not any(urgent[1])
        sweden_due = cases[0].deadline
    joining = submit(state, reporter, {}, account="user-1", ip="198.51.100.30", at=_at(1))
    run_stage_by_stage(state, stages, joining)
    bridge = submit(state, reporter, {}, account="user-1", email="two@example.test")
    run_stage_by_stage(state, stages, bridge)
    with state.db.sessions() as session:
        first_case, second_case = session.scalars(select(Case).order_by(Case.id)).all()
        assert second_case.status == "merged" and second_case.deadline is None
        assert first_case.deadline == sweden_due  # France (365 days) and Germany come later
        codes = {r.agency_id for r in session.scalars(select(Route).where(
            Route.case_id == first_case.id, Route.status == "active"))}
        assert len(codes) == 3
