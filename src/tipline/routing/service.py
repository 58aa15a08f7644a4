"""Routing use cases: route a case (supersede what changed, hand new routes to delivery,
escalate deadlines at risk, deconflict), the agency registry, watches and the forecast.
Never commits: the pipeline or the API's transaction does."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tipline import errors
from tipline.audit.service import Actor, record
from tipline.cases import store as cases_store
from tipline.cases.models import Case, CaseEvent
from tipline.classification.jurisdictions import lookup as jurisdiction
from tipline.clusters.store import serialize
from tipline.db import utcnow
from tipline.routing import geo, rules, store
from tipline.routing.models import Agency, Alert, RetentionWindow, Route, Watch, WatchHit
from tipline.routing.rules import AgencyEntry, RegistryError, Retention
from tipline.settings import Settings
from tipline.triage import service as triage_service

log = logging.getLogger(__name__)
LOCK = "tipline.routing"


class NotFound(errors.NotFound):
    pass


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


def retention_of(session: Session, default_days: int) -> Callable[[str], Retention]:
    """Per country: an administrator's override, else the shipped jurisdiction table, else
    the default (flagged assumed)."""
    overrides = store.retention_overrides(session)

    def find(country: str) -> Retention:
        row = jurisdiction(country)
        return rules.retention_for(country, overrides.get(country),
                                   row.retention_days if row else None,
                                   row.source if row else "", default_days)

    return find


# --- routing a case ------------------------------------------------------------------------

@dataclass
class Outcome:
    case_id: int
    active: list[Route] = field(default_factory=list)
    created: list[Route] = field(default_factory=list)
    superseded: list[Route] = field(default_factory=list)
    unrouted: dict[str, str] = field(default_factory=dict)
    escalated: bool = False
    hits: list[WatchHit] = field(default_factory=list)


def urls_of_case(session: Session, case_id: int) -> list[str]:
    return [url for _, url in store.case_inputs(session, case_id).urls]


def route_case(session: Session, case_id: int, config: RoutingConfig,
               now: dt.datetime | None = None) -> Outcome | None:
    """Route the case (a merged case's id resolves to the survivor). Routes whose agency,
    reasons, chain or deadline changed are superseded by new ones, which go to delivery;
    unchanged routes stay. Serialized across workers like linking."""
    serialize(session, LOCK)
    case = cases_store.resolve(session, case_id)
    if case is None:
        return None
    now = now or utcnow()
    entries = store.registry(session)
    ids = {row.code: row.id for row in store.agencies(session)}
    evidence = geo.locate(store.case_inputs(session, case.id), config.lookup, config.resolver)
    retention = retention_of(session, config.default_retention_days)
    plan = rules.plan_routes(evidence, entries, retention, config.fallback)
    outcome = Outcome(case.id, unrouted=plan.unrouted)
    _apply_plan(session, case, plan, ids, now, config.margin, outcome)
    session.flush()
    # Every active route, not only new ones: a case that grew without changing its routes is
    # a new version for its agencies (delivery skips versions it already has).
    for route in outcome.active:
        _hand_over(session, route)
    _escalate(session, case, outcome.active, entries, ids, now, config.margin, outcome)
    outcome.hits = deconflict(session, case, outcome.active)
    if not plan.routes:
        _alert(session, "unroutable", case.id, None, _unroutable(case.id, evidence, plan))
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


def _hand_over(session: Session, route: Route) -> None:
    """Delivery's entry point: queue the case's current version for the route's agency."""
    from tipline.delivery.service import enqueue_for_route  # lazy: delivery imports routing

    enqueue_for_route(session, route)


def _alert(session: Session, kind: str, case_id: int, agency_id: int | None,
           message: str) -> Alert | None:
    """An alert, unless the same one is still open (a recompute must not repeat it)."""
    if store.open_alert(session, kind, case_id, agency_id, message) is not None:
        return None
    alert = Alert(kind=kind, case_id=case_id, agency_id=agency_id, message=message)
    session.add(alert)
    return alert


def _unroutable(case_id: int, evidence: Sequence[rules.Evidence], plan: rules.Plan) -> str:
    if plan.unrouted:
        return (f"case {case_id} is not routed: "
                + "; ".join(f"{c}: {why}" for c, why in sorted(plan.unrouted.items())))
    unplaced = sum(1 for e in evidence if e.country is None)
    return (f"case {case_id} is not routed: no evidence places it in a country "
            f"({unplaced} lead(s) without a country)")


# --- escalation ----------------------------------------------------------------------------

def _escalate(session: Session, case: Case, active: Sequence[Route],
              entries: Mapping[str, AgencyEntry], ids: Mapping[str, int], now: dt.datetime,
              margin: dt.timedelta, outcome: Outcome) -> None:
    """Alert each route at risk, and raise the case's priority once for the nearest one."""
    codes = {v: k for k, v in ids.items()}
    risky = sorted((r for r in active if r.at_risk and r.deadline),
                   key=lambda r: (r.deadline, r.id or 0))
    hours = int(margin.total_seconds() // 3600)
    for route in risky:
        assert route.deadline is not None
        country = route.deadline_basis.get("country", "?")
        assumed = " (assumed: retention window unknown)" if route.deadline_basis.get(
            "assumed") else ""
        message = (f"case {case.id}: IP data retention in {country} ends "
                   f"{route.deadline:%Y-%m-%d %H:%M} UTC{assumed}, less than {hours} h after "
                   f"routing to {codes[route.agency_id]} "
                   f"(via {' -> '.join(route.channel_chain)})")
        _alert(session, "deadline_risk", case.id, route.agency_id, message)
    if risky:
        # Triage owns priority: it reads the routes' deadlines, and its policy raises a case
        # whose retention ends soon, so the escalation survives every later recompute.
        before = case.priority_level
        priority = triage_service.recompute(session, case.id, now=now)
        outcome.escalated = priority is not None and priority.level != before


# --- deconfliction -------------------------------------------------------------------------

def deconflict(session: Session, case: Case, active: Sequence[Route]) -> list[WatchHit]:
    """Match the case against every active watch; for each hit tell the watching agency and
    every agency the case is routed to, once each. Each learns the other's interest, the
    shared identifier and the other's contact, never the other's case details."""
    keys = store.case_keys(session, case.id)
    hits: list[WatchHit] = []
    routed = [session.get(Agency, r.agency_id) for r in active]
    for watch in store.watches_matching(session, list(keys)):
        watcher = session.get(Agency, watch.agency_id)
        if watcher is None:
            continue
        found = store.hit(session, watch.id, case.id)
        if found is None:
            found = WatchHit(watch_id=watch.id, case_id=case.id, notified=[])
            session.add(found)
        told = list(found.notified or [])
        if watcher.code not in told and not routed:
            _alert(session, "deconfliction", case.id, watcher.id,
                   f"case {case.id} (not routed yet) touches your watched {watch.kind} "
                   f"{watch.value} (your reference {watch.reference or '-'})")
            told.append(watcher.code)
        for agency in routed:
            if agency is None or (agency.code in told and watcher.code in told):
                continue
            _notify_pair(session, case.id, watch, watcher, agency)
            told += [code for code in (watcher.code, agency.code) if code not in told]
        found.notified = told
        hits.append(found)
    return hits


def _notify_pair(session: Session, case_id: int, watch: Watch, watcher: Agency,
                 routed: Agency) -> None:
    shared = f"{watch.kind} {watch.value}"
    if watcher.id == routed.id:
        _alert(session, "deconfliction", case_id, watcher.id,
               f"case {case_id}, routed to you, touches your watched {shared} "
               f"(your reference {watch.reference or '-'})")
        return
    _alert(session, "deconfliction", case_id, watcher.id,
           f"case {case_id} touches your watched {shared} (your reference "
           f"{watch.reference or '-'}); it is routed to {routed.code} ({routed.name}), "
           f"contact: {routed.contact or '-'}")
    _alert(session, "deconfliction", case_id, routed.id,
           f"case {case_id}, routed to you, touches {shared}, which {watcher.code} "
           f"({watcher.name}) watches in an active investigation; contact: "
           f"{watcher.contact or '-'}")


def add_watch(session: Session, agency: Agency, kind: str, value: str, reference: str,
              actor: Actor, service: str | None = None, algorithm: str | None = None) -> Watch:
    normalised = rules.normalise_watch(kind, value, service, algorithm)
    watch = Watch(agency_id=agency.id, kind=kind, value=normalised, reference=reference.strip(),
                  active=True)
    session.add(watch)
    session.flush()
    record(session, actor, "watch.add", "watch", watch.id, agency=agency.code, kind=kind)
    return watch


def end_watch(session: Session, agency: Agency, watch_id: int, actor: Actor) -> None:
    watch = session.get(Watch, watch_id)
    if watch is None or watch.agency_id != agency.id or not watch.active:
        raise NotFound(f"watch {watch_id} does not exist")
    watch.active = False
    record(session, actor, "watch.end", "watch", watch.id, agency=agency.code)


# --- the agency registry -------------------------------------------------------------------

FIELDS = ("name", "countries", "channel", "via_code", "delivery_method", "endpoint_url",
          "contact", "active")


def _entry_from(data: Mapping[str, Any], base: AgencyEntry | None = None) -> AgencyEntry:
    if base is None:
        missing = [k for k in ("code", "name", "channel", "delivery_method") if not data.get(k)]
        if missing:
            raise RegistryError(f"agency {data.get('code', '?')}: missing {', '.join(missing)}")
        base = AgencyEntry(str(data["code"]), "", (), "direct", None, "pull")
    changes = {k: data[k] for k in FIELDS if k in data and data[k] is not None}
    if "countries" in changes:
        if not isinstance(changes["countries"], list | tuple):
            raise RegistryError(f"agency {base.code}: countries must be a list of codes")
        changes["countries"] = tuple(str(c) for c in changes["countries"])
    if "via_code" in data and not data["via_code"]:  # "" clears it (e.g. now direct)
        changes["via_code"] = None
    return replace(base, **changes)


def save_agency(session: Session, data: Mapping[str, Any], actor: Actor,
                create: bool | None = None) -> Agency:
    """Create or update an agency (by code) after validating it against the registry."""
    code = str(data.get("code", "")).strip().upper()
    row = store.agency(session, code)
    if create is True and row is not None:
        raise RegistryError(f"agency {code} exists")
    if create is False and row is None:
        raise NotFound(f"agency {code} does not exist")
    known = store.registry(session)
    checked = rules.check_agency(_entry_from({**data, "code": code},
                                             store.entry(row) if row else None), known)
    if row is not None and row.active and not checked.active and (
            users := rules.dependants(known, code)):
        raise RegistryError(f"agency {code} is the intermediary of {', '.join(users)}: "
                            "re-route or disable them first")
    if row is None:
        row = Agency(code=checked.code)
        session.add(row)
    for name in FIELDS:
        setattr(row, name, list(checked.countries) if name == "countries"
                else getattr(checked, name))
    if "signing_secret" in data and data["signing_secret"] is not None:
        row.signing_secret = str(data["signing_secret"])
    if "public_key" in data and data["public_key"] is not None:
        row.public_key = str(data["public_key"])
    row.updated_at = utcnow()
    session.flush()
    record(session, actor, "agency.save", "agency", row.code,
           **{k: v for k, v in data.items() if k in FIELDS})
    return row


def sample_registry_text() -> str:
    return resources.files("tipline.routing").joinpath("agencies.json").read_text("utf-8")


def import_registry(session: Session, text: str, actor: Actor) -> list[Agency]:
    """Create or update every agency of a registry file (JSON: {"agencies": [...]}); the
    order in the file does not matter (intermediaries are saved first)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"the registry is not valid JSON: {exc}") from exc
    items = raw.get("agencies") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise RegistryError('the registry must be {"agencies": [{...}, ...]}')
    pending = {str(i.get("code", "")).strip().upper(): i for i in items}
    saved: list[Agency] = []
    while pending:
        ready = [c for c, i in pending.items()
                 if not i.get("via_code") or str(i["via_code"]).upper() not in pending
                 or str(i["via_code"]).upper() == c]
        if not ready:
            raise RegistryError(f"intermediaries form a cycle among {', '.join(sorted(pending))}")
        for code in sorted(ready):
            saved.append(save_agency(session, pending.pop(code), actor))
    return saved


def set_retention(session: Session, country: str, days: int | None, source: str,
                  actor: Actor) -> RetentionWindow:
    """An administrator's retention window for a country (None: declared unknown, so the
    default applies, flagged assumed). It overrides the shipped jurisdiction table."""
    code = rules.check_retention(country, days)
    if days is not None and not source.strip():
        raise RegistryError(f"retention window of {code}: cite its source (statute, order)")
    row = session.get(RetentionWindow, code) or RetentionWindow(country=code)
    row.days, row.source, row.updated_at = days, source.strip(), utcnow()
    session.add(row)
    record(session, actor, "retention.set", "retention_window", code, days=days, source=source)
    return row


def retention_view(session: Session, default_days: int) -> list[dict[str, Any]]:
    """Every country with a known or overridden window: days, source, origin, assumed."""
    from tipline.classification.jurisdictions import load_table

    find = retention_of(session, default_days)
    codes = sorted(set(load_table()) | set(store.retention_overrides(session)))
    return [{"country": c, **find(c).__dict__} for c in codes]


# --- what an agency sees -------------------------------------------------------------------

def agency_for_user(session: Session, organisation: str) -> Agency:
    row = store.agency(session, organisation)
    if row is None or not row.active:
        raise NotFound(f"no active agency {organisation!r} (a user's organisation must be "
                       "its agency code)")
    return row


def reaching(agency: Agency) -> list[int]:
    """The agencies whose routes this agency sees: itself only. An intermediary of a chain
    does not see the cases it relays (strict isolation, as in delivery's pull API)."""
    return [agency.id]


def forecast(session: Session, agency: Agency, now: dt.datetime | None = None
             ) -> dict[str, Any]:
    now = now or utcnow()
    ids = reaching(agency)
    since = now - dt.timedelta(days=rules.FORECAST_DAYS)
    result = rules.forecast(store.first_routed(session, ids, since),
                            store.open_deadlines(session, ids), store.queued(session, ids), now)
    return {"agency": agency.code, **result}


def route_view(route: Route, codes: Mapping[int, str]) -> dict[str, Any]:
    return {"id": route.id, "case_id": route.case_id, "agency": codes.get(route.agency_id),
            "channel_chain": route.channel_chain, "reasons": route.reasons,
            "deadline": route.deadline.isoformat() if route.deadline else None,
            "deadline_basis": route.deadline_basis, "at_risk": route.at_risk,
            "status": route.status, "computed_at": route.computed_at.isoformat()}


def routes_for(session: Session, agency: Agency) -> list[dict[str, Any]]:
    codes = {row.id: row.code for row in store.agencies(session)}
    return [route_view(r, codes) for r in store.routes_to(session, reaching(agency))]


def case_routes(session: Session, case_id: int, include_superseded: bool = False
                ) -> list[dict[str, Any]]:
    codes = {row.id: row.code for row in store.agencies(session)}
    routes = (store.routes_of_case(session, case_id) if include_superseded
              else store.active_routes(session, [case_id]))
    return [route_view(r, codes) for r in routes]


def read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read: {exc}") from exc


def agency_views(session: Session, only: str | None = None) -> list[dict[str, Any]]:
    """Registry entries as shown to administrators (the signing secret never leaves)."""
    entries = store.registry(session)
    return [{
        "code": row.code, "name": row.name, "countries": list(row.countries or []),
        "channel": row.channel, "via_code": row.via_code,
        "channel_chain": rules.chain(entries, row.code), "delivery_method": row.delivery_method,
        "endpoint_url": row.endpoint_url, "has_signing_secret": bool(row.signing_secret),
        "public_key": row.public_key, "contact": row.contact, "active": row.active,
        "updated_at": row.updated_at,
    } for row in store.agencies(session) if only is None or row.code == only]
