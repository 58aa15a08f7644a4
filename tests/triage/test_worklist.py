"""Triage against the database: features from a case's reports and the deadline routing set,
history, the worklist."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import httpx
from sqlalchemy import select

from routing_support import config, import_sample, route
from staff_support import add_report, add_user
from tipline.cases.models import Case, CasePriority, CaseReport
from tipline.db import utcnow
from tipline.reports.models import IpEvent
from tipline.routing import geo
from tipline.state import AppState
from tipline.triage.features import build_features
from tipline.triage.service import recompute
from tipline.triage.stages import prioritise

from factories import png_bytes
from support import LiveServer, add_reporter


def new_case(state: AppState, *report_ids: int) -> int:
    with state.db.transaction() as session:
        case = Case(status="open")
        session.add(case)
        session.flush()
        for report_id in report_ids:
            session.add(CaseReport(report_id=report_id, case_id=case.id))
        return case.id


def routed(state: AppState, case_id: int, ip: str, country: str) -> None:
    """Route the case with `ip` placed in `country`: routing owns the deadline triage reads."""
    import_sample(state)
    route(state, case_id, replace(config(), lookup=geo.TableLookup({ip: country})))


def test_features_come_from_the_cases_reports(state: AppState) -> None:
    add_reporter(state, "platform-a", country="AU")
    first, _ = add_report(state, "platform-a", escalate=True, annotations=["sextortion"],
                          document={"victim": [{}, {}]},
                          files=[{"content": png_bytes(1), "annotations": ["infant"]}])
    second, _ = add_report(state, "platform-a", incident_type="Child Sexual Molestation")
    captured = utcnow() - dt.timedelta(days=1)
    with state.db.transaction() as session:
        session.add(IpEvent(report_id=second, role="reported", ip="198.51.100.7", at=captured))
    case_id = new_case(state, first, second)
    with state.db.transaction() as session:
        from tipline.classification.stages import record_facts

        record_facts(session, first, None)
    routed(state, case_id, "198.51.100.7", "AU")
    with state.db.sessions() as session:
        f = build_features(session, case_id)
    assert f.reports == 2 and f.escalation and f.victims == 2
    assert "sextortion" in f.report_annotations and "infant" in f.file_annotations
    assert f.youngest_age_band == "infant" and f.new_material == 1
    assert "Child Sexual Molestation" in f.incident_types
    assert f.deadline is not None and not f.deadline_assumed  # AU: 730 days
    assert abs((f.deadline - (captured + dt.timedelta(days=730))).total_seconds()) < 1


def test_unknown_retention_uses_the_policys_default_flagged_as_assumed(state: AppState) -> None:
    add_reporter(state, "platform-us", country="US")
    report, _ = add_report(state, "platform-us")
    captured = utcnow() - dt.timedelta(days=2)
    with state.db.transaction() as session:
        session.add(IpEvent(report_id=report, role="reported", ip="203.0.113.9", at=captured))
    case_id = new_case(state, report)
    routed(state, case_id, "203.0.113.9", "US")  # the US window is unknown: 7 days assumed
    with state.db.transaction() as session:
        priority = recompute(session, case_id)
    assert priority is not None
    assert any("assumed" in r["reason"] for r in priority.reasons)
    with state.db.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.deadline is not None


def test_priority_history_keeps_previous_values_and_skips_unchanged(state: AppState) -> None:
    add_reporter(state, "platform-a")
    first, _ = add_report(state, "platform-a")
    case_id = new_case(state, first)
    with state.db.transaction() as session:
        prioritise(None, session, first, None)
        prioritise(None, session, first, None)  # nothing changed: no new history row
    second, _ = add_report(state, "platform-a", annotations=["sextortion"])
    with state.db.transaction() as session:
        session.add(CaseReport(report_id=second, case_id=case_id))
    with state.db.transaction() as session:
        prioritise(None, session, second, None)
    with state.db.sessions() as session:
        history = list(session.scalars(select(CasePriority).where(
            CasePriority.case_id == case_id).order_by(CasePriority.id)))
        case = session.get(Case, case_id)
    assert [h.level for h in history] == ["P4", "P2"]
    assert history[1].policy == "default v1"
    assert case is not None and case.priority_level == "P2"
    assert case.priority_reasons[0]["reason"].startswith("sextortion")


def test_a_report_without_a_case_is_left_alone(state: AppState) -> None:
    add_reporter(state, "platform-a")
    report, _ = add_report(state, "platform-a")
    with state.db.transaction() as session:
        prioritise(None, session, report, None)  # linking has not run: nothing to do


def test_worklist_orders_by_level_then_deadline(
        state: AppState, server: LiveServer, http: httpx.Client) -> None:
    now = utcnow()
    with state.db.transaction() as session:
        rows = [("P2", 60, now + dt.timedelta(days=5)), ("P1", 100, now + dt.timedelta(days=9)),
                ("P2", 70, now + dt.timedelta(days=1)), ("P4", 0, None), (None, None, None),
                ("P1", 120, now + dt.timedelta(days=3))]
        for level, points, deadline in rows:
            session.add(Case(status="open", priority_level=level, priority_score=points,
                             deadline=deadline, priority_reasons=[]))
        session.add(Case(status="closed", priority_level="P1", priority_score=500))
    analyst = add_user(state, "ana")
    listed = http.get(f"{server.url}/api/v1/worklist", auth=analyst).json()
    assert [item["case_id"] for item in listed] == [6, 2, 3, 1, 4, 5]
    only_p2 = http.get(f"{server.url}/api/v1/worklist", params={"level": "P2"},
                       auth=analyst).json()
    assert [item["case_id"] for item in only_p2] == [3, 1]
