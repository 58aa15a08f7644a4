"""Routing use cases: route a case (supersede the routes that changed, set the case's
deadline, alert deadlines at risk, deconflict) and what staff and agencies see of routes.

Routing owns deadlines: each route's, and the case's (the earliest of its active routes).
Triage reads them in the next stage, and the delivery stage after it queues the case for its
routes' agencies; routing calls neither. Never commits: the pipeline's transaction does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tipline.agencies import store as agencies_store
from tipline.agencies.models import Agency
from tipline.agencies.service import reaching, retention_of
from tipline.alerts.service import raise_alert, settle
from tipline.cases import store as cases_store
from tipline.cases.models import Case, CaseEvent
from tipline.clusters.store import serialize
from tipline.db import utcnow
from tipline.deconfliction.models import WatchHit
from tipline.deconfliction.service import deconflict
from tipline.routing import geo, rules, store
from tipline.routing.models import Route
from tipline.settings import Settings
from tipline.workqueue.items import enqueue

LOCK = "tipline.routing"
REROUTE = "routing"  # the work queue of cases to route again (key: the case id)


@dataclass(frozen=True)
class RoutingConfig:
    lookup: geo.CountryLookup
    resolver: geo.Resolver
    default_retention_days: int
    margin: dt.timedelta
    fallback: str | None


def config_from(settings: Settings, lookup: geo.CountryLookup | None = None,
                resolver: geo.Resolver | None = None) -> RoutingConfig:
    if resolver is None:
        resolver = (geo.SystemResolver(settings.routing_dns_timeout_seconds)
                    if settings.routing_resolve_hosts else geo.NoResolver())
    return RoutingConfig(
        lookup=lookup or geo.IptoccLookup(), resolver=resolver,
        default_retention_days=settings.retention_default_days,
        margin=dt.timedelta(hours=settings.routing_deadline_margin_hours),
        fallback=settings.routing_fallback_agency.strip().upper() or None)


# --- routing a case ------------------------------------------------------------------------

@dataclass
class Outcome:
    case_id: int
    active: list[Route] = field(default_factory=list)
    created: list[Route] = field(default_factory=list)
    superseded: list[Route] = field(default_factory=list)
    unrouted: dict[str, str] = field(default_factory=dict)
    escalated: bool = False  # a route at risk alerted its agency for the first time
    hits: list[WatchHit] = field(default_factory=list)


def urls_of_case(session: Session, case_id: int) -> list[str]:
    return [url for _, url in store.case_inputs(session, case_id).urls]


def route_case(session: Session, case_id: int, config: RoutingConfig,
               now: dt.datetime | None = None) -> Outcome | None:
    """Route the case (a merged case's id resolves to the survivor). Routes whose agency,
    reasons, chain or deadline changed are superseded by new ones; unchanged routes stay.
    The case's deadline becomes the earliest of its active routes'. Serialized across
    workers like linking."""
    serialize(session, LOCK)
    case = cases_store.resolve(session, case_id)
    if case is None:
        return None
    now = now or utcnow()
    entries = agencies_store.registry(session)
    ids = {code: agency_id for agency_id, code in agencies_store.codes(session).items()}
    evidence = geo.locate(store.case_inputs(session, case.id), config.lookup, config.resolver)
    retention = retention_of(session, config.default_retention_days)
    plan = rules.plan_routes(evidence, entries, retention, config.fallback)
    outcome = Outcome(case.id, unrouted=plan.unrouted)
    _apply_plan(session, case, plan, ids, now, config.margin, outcome)
    session.flush()
    store.record_countries(session, outcome.created, outcome.superseded)
    _record_deadlines(session, case, outcome)
    outcome.escalated = _alert_at_risk(session, case.id, outcome.active, ids, config.margin)
    outcome.hits = deconflict(session, case.id, [r.agency_id for r in outcome.active])
    if not plan.routes:
        raise_alert(session, "unroutable", case.id, None, _unroutable(case.id, evidence, plan))
    else:
        settle(session, "unroutable", case.id)
    return outcome


def _apply_plan(session: Session, case: Case, plan: rules.Plan, ids: Mapping[str, int],
                now: dt.datetime, margin: dt.timedelta, outcome: Outcome) -> None:
    merged = cases_store.merged_from(session, case.id)
    current = store.active_routes(session, [case.id, *merged])
    mine = {r.agency_id: r for r in current if r.case_id == case.id}
    for route in current:  # a merged case's reports are routed with the survivor now
        if route.case_id != case.id:
            _supersede(route, outcome)
    for planned in plan.routes:
        existing = mine.pop(ids[planned.agency], None)
        if existing is not None and _same(existing, planned):
            existing.at_risk = rules.at_risk(existing.deadline, now, margin)
            outcome.active.append(existing)
            continue
        if existing is not None:
            _supersede(existing, outcome)
        route = Route(case_id=case.id, agency_id=ids[planned.agency], reasons=planned.reasons,
                      channel_chain=planned.chain, deadline=planned.deadline,
                      deadline_basis=planned.basis, status="active", computed_at=now,
                      at_risk=rules.at_risk(planned.deadline, now, margin))
        session.add(route)
        outcome.created.append(route)
        outcome.active.append(route)
    for stale in mine.values():  # an agency no longer concerned
        _supersede(stale, outcome)
    if outcome.created or outcome.superseded:
        session.add(CaseEvent(case_id=case.id, kind="routed", detail={
            "agencies": [p.agency for p in plan.routes],
            "superseded": len(outcome.superseded), "unrouted": plan.unrouted}))


def _same(route: Route, planned: rules.RoutePlan) -> bool:
    return (route.reasons == planned.reasons and route.channel_chain == planned.chain
            and route.deadline == planned.deadline and route.deadline_basis == planned.basis)


def _supersede(route: Route, outcome: Outcome) -> None:
    route.status = "superseded"
    outcome.superseded.append(route)


def _record_deadlines(session: Session, case: Case, outcome: Outcome) -> None:
    """The case's deadline is the earliest of its active routes' (None without any); a
    merged case whose routes were superseded keeps only what is still active (nothing)."""
    case.deadline = rules.earliest(r.deadline for r in outcome.active)
    for other_id in sorted({r.case_id for r in outcome.superseded} - {case.id}):
        other = session.get(Case, other_id)
        if other is not None:
            other.deadline = rules.earliest(
                r.deadline for r in store.active_routes(session, [other_id]))


def _alert_at_risk(session: Session, case_id: int, active: Sequence[Route],
                   ids: Mapping[str, int], margin: dt.timedelta) -> bool:
    """Alert each agency whose route is at risk, once while the alert is open; True when an
    alert is new. Raising the case's priority is triage's: its policy reads the deadline
    in the stage after this one."""
    codes = {v: k for k, v in ids.items()}
    risky = sorted((r for r in active if r.at_risk and r.deadline),
                   key=lambda r: (r.deadline, r.id or 0))
    hours = int(margin.total_seconds() // 3600)
    raised = False
    for route in risky:
        assert route.deadline is not None
        country = route.deadline_basis.get("country", "?")
        assumed = " (assumed: retention window unknown)" if route.deadline_basis.get(
            "assumed") else ""
        message = (f"case {case_id}: IP data retention in {country} ends "
                   f"{route.deadline:%Y-%m-%d %H:%M} UTC{assumed}, less than {hours} h after "
                   f"routing to {codes[route.agency_id]} "
                   f"(via {' -> '.join(route.channel_chain)})")
        raised |= raise_alert(session, "deadline_risk", case_id, route.agency_id,
                              message) is not None
    return raised


def _unroutable(case_id: int, evidence: Sequence[rules.Evidence], plan: rules.Plan) -> str:
    if plan.unrouted:
        return (f"case {case_id} is not routed: "
                + "; ".join(f"{c}: {why}" for c, why in sorted(plan.unrouted.items())))
    unplaced = sum(1 for e in evidence if e.country is None)
    return (f"case {case_id} is not routed: no evidence places it in a country "
            f"({unplaced} lead(s) without a country)")


def request_reroute(session: Session, case_ids: Sequence[int], reason: str) -> None:
    """Queue routing these cases again (the registry or retention windows changed), in the
    caller's transaction; the work-items worker routes them (`pipeline/reroute.py`), then
    re-triages them and queues their deliveries. Asking again while pending adds nothing."""
    for case_id in case_ids:
        enqueue(session, REROUTE, str(case_id), {"reason": reason})


# --- what staff and agencies see -----------------------------------------------------------

def route_view(route: Route, codes: Mapping[int, str]) -> dict[str, Any]:
    return {"id": route.id, "case_id": route.case_id, "agency": codes.get(route.agency_id),
            "channel_chain": route.channel_chain, "reasons": route.reasons,
            "deadline": route.deadline.isoformat() if route.deadline else None,
            "deadline_basis": route.deadline_basis, "at_risk": route.at_risk,
            "status": route.status, "computed_at": route.computed_at.isoformat()}


def routes_for(session: Session, agency: Agency) -> list[dict[str, Any]]:
    codes = agencies_store.codes(session)
    return [route_view(r, codes) for r in store.routes_to(session, reaching(agency))]


def case_routes(session: Session, case_id: int, include_superseded: bool = False
                ) -> list[dict[str, Any]]:
    codes = agencies_store.codes(session)
    routes = (store.routes_of_case(session, case_id) if include_superseded
              else store.active_routes(session, [case_id]))
    return [route_view(r, codes) for r in routes]
