"""Routing cases against both databases: evidence, routes with chains and deadlines,
escalation, recompute on growth and merge (deconfliction: tests/deconfliction; the forecast:
tests/delivery/test_forecast.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from routing_support import ACTOR, config, import_sample, join, new_case, report, route
from tipline.agencies import service
from tipline.agencies.models import Agency
from tipline.alerts.models import Alert
from tipline.cases.models import Case, CaseEvent, CasePriority, CaseReport
from tipline.db import utcnow
from tipline.delivery.models import Delivery
from tipline.routing import geo, store
from tipline.routing.models import Route
from tipline.state import AppState

from support import add_reporter


def codes(state: AppState) -> dict[int, str]:
    with state.db.sessions() as session:
        return {a.id: a.code for a in session.scalars(select(Agency))}


def active(state: AppState, case_id: int) -> dict[str, Route]:
    names = codes(state)
    with state.db.sessions() as session:
        return {names[r.agency_id]: r for r in store.active_routes(session, [case_id])}


def test_evidence_of_a_case(state: AppState) -> None:
    add_reporter(state, "platform-a", country="US")
    t = utcnow() - dt.timedelta(days=1)
    doc = {"personOrUserReported": [{"estimatedLocation": {"countryCode": "AT"}}],
           "victim": [{"victimPerson": {}, "estimatedLocation": {"countryCode": "FR"}}]}
    rid = report(state, "platform-a", ips=[("192.0.2.20", t), ("192.0.2.250", t)],
                 urls=["https://files.example.test/a/1"], document=doc)
    case_id = new_case(state, rid)
    resolver = config().resolver
    with state.db.sessions() as session:
        found = geo.locate(store.case_inputs(session, case_id), geo.TableLookup(
            {"192.0.2.20": "DE", "127.0.0.2": "NL"}), resolver)
    kinds = {(e.kind, e.country) for e in found}
    assert kinds == {("ip", "DE"), ("ip", None), ("reported_location", "AT"),
                     ("victim_location", "FR"), ("reporter", "US"), ("url_host", "NL")}
    assert resolver.asked == ["files.example.test"]  # type: ignore[attr-defined]


def test_routes_with_channel_chains_and_deadlines(state: AppState) -> None:
    import_sample(state)
    add_reporter(state, "platform-a", country="US")
    t = utcnow() - dt.timedelta(days=1)
    rid = report(state, "platform-a", ips=[("192.0.2.10", t), ("198.51.100.30", t),
                                           ("203.0.113.40", t)])
    case_id = new_case(state, rid)
    outcome = route(state, case_id)
    assert not outcome.escalated and len(outcome.created) == 3
    routes = active(state, case_id)
    assert set(routes) == {"SE-NOA", "FR-OFMIN", "INTERPOL"}
    assert routes["SE-NOA"].channel_chain == ["EUROPOL", "SE-NOA"]
    assert routes["INTERPOL"].reasons[0]["fallback"] and routes["INTERPOL"].reasons[0][
        "country"] == "JP"
    fr = routes["FR-OFMIN"]  # France: 365 days in jurisdictions.csv
    assert fr.deadline == t + dt.timedelta(days=365) and not fr.deadline_basis["assumed"]
    assert fr.deadline_basis["retention_origin"] == "jurisdictions.csv"
    se = routes["SE-NOA"]  # Sweden: unknown, so the default (7 days), flagged
    assert se.deadline == t + dt.timedelta(days=7) and se.deadline_basis["assumed"]
    with state.db.transaction() as session:
        service.set_retention(session, "SE", 30, "test order", ACTOR)
    route(state, case_id)
    se2 = active(state, case_id)["SE-NOA"]
    assert se2.id != se.id and se2.deadline == t + dt.timedelta(days=30)
    assert se2.deadline_basis["retention_origin"] == "override"
    with state.db.sessions() as session:
        assert session.get(Route, se.id).status == "superseded"  # type: ignore[union-attr]
        # Each new route went to delivery's outbox.
        assert session.scalar(select(Delivery).where(Delivery.route_id == se2.id)) is not None


def test_deadline_at_risk_escalates_once(state: AppState) -> None:
    import_sample(state)
    add_reporter(state, "platform-a", country="US")
    t = utcnow() - dt.timedelta(days=6)  # Sweden's assumed 7 days: about 24 h left
    case_id = new_case(state, report(state, "platform-a", ips=[("192.0.2.10", t)]))
    with state.db.transaction() as session:
        session.add(CasePriority(case_id=case_id, level="P4", score=0, reasons=[],
                                 policy="default v1"))
    outcome = route(state, case_id)
    assert outcome.escalated and active(state, case_id)["SE-NOA"].at_risk
    again = route(state, case_id)
    assert not again.escalated and not again.created
    with state.db.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.priority_level == "P2"
        history = list(session.scalars(select(CasePriority).where(
            CasePriority.case_id == case_id).order_by(CasePriority.id)))
        assert [h.level for h in history] == ["P4", "P2"]
        reason = history[-1].reasons[0]
        assert reason["feature"] == "deadline_within_hours" and "SE" in reason["reason"]
        assert "assumed" in reason["reason"]
        [alert] = session.scalars(select(Alert).where(Alert.kind == "deadline_risk")).all()
        assert alert.case_id == case_id and "EUROPOL -> SE-NOA" in alert.message
        assert session.scalar(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "priority_changed")) is not None


def test_recompute_when_a_case_grows_or_merges(state: AppState) -> None:
    import_sample(state)
    add_reporter(state, "platform-a", country="US")
    t = utcnow() - dt.timedelta(days=2)
    first = report(state, "platform-a", ips=[("192.0.2.10", t)])
    case_id = new_case(state, first)
    route(state, case_id)
    se = active(state, case_id)["SE-NOA"]
    # A report without new place evidence changes no route.
    join(state, case_id, report(state, "platform-a"))
    assert not route(state, case_id).created
    # A German report joins: Germany is added, Sweden's route stays as it was.
    join(state, case_id, report(state, "platform-a", ips=[("192.0.2.20", t)]))
    grown = route(state, case_id)
    assert [codes(state)[r.agency_id] for r in grown.created] == ["DE-BKA"]
    assert active(state, case_id)["SE-NOA"].id == se.id
    # Another case, routed on its own, merges into this one: its routes are superseded and
    # the survivor's Swedish route changes (an earlier capture moves the deadline).
    other_report = report(state, "platform-a", ips=[("192.0.2.99", t - dt.timedelta(days=1))])
    other = new_case(state, other_report)
    route(state, other)
    other_route = active(state, other)["SE-NOA"]
    with state.db.transaction() as session:
        merged = session.get(Case, other)
        assert merged is not None
        merged.status, merged.merged_into_id = "merged", case_id
        session.get(CaseReport, other_report).case_id = case_id  # type: ignore[union-attr]
    after = route(state, other)  # a merged case's id resolves to the survivor
    assert after.case_id == case_id
    assert {r.id for r in after.superseded} == {other_route.id, se.id}
    new_se = active(state, case_id)["SE-NOA"]
    assert new_se.deadline == t - dt.timedelta(days=1) + dt.timedelta(days=7)
    assert active(state, other) == {}




def test_a_grown_case_is_queued_again_for_unchanged_routes(state: AppState) -> None:
    """A report joining a case changes the case's content even when no route changes: the
    agency must get the new version (and never the unchanged one twice)."""
    import_sample(state)
    add_reporter(state, "platform-a", country="US")
    t = utcnow() - dt.timedelta(days=2)
    case_id = new_case(state, report(state, "platform-a", ips=[("192.0.2.10", t)]))
    route(state, case_id)
    route(state, case_id)  # nothing changed: nothing new queued

    def versions() -> list[str]:
        with state.db.sessions() as session:
            return list(session.scalars(select(Delivery.case_version)
                                        .where(Delivery.case_id == case_id)
                                        .order_by(Delivery.id)))
    assert len(versions()) == 1
    join(state, case_id, report(state, "platform-a"))
    assert not route(state, case_id).created
    queued = versions()
    assert len(queued) == 2 and queued[0] != queued[1]
