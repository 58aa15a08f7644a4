"""Use cases of delivery. They never commit: the caller (delivery stage, worker, API) does.

The outbox row (`Delivery`) is written by the delivery stage, which the pipeline runs after
routing and triage for every report, so every active route of a changed case gets the case's
new version. `Delivery.ack_detail` holds two things: `package`, the facts fixed when the
version was queued (previous version, the reports included and their finish times, for time
to desk), and `ack`, what the receiver answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from tipline.agencies import rules as agencies_rules
from tipline.agencies.models import Agency
from tipline.agencies.service import reaching
from tipline.alerts.service import raise_alert
from tipline.audit.service import Actor, record
from tipline.db import utcnow
from tipline.delivery import packages, store
from tipline.delivery.models import Delivery
from tipline.delivery.rules import case_version, idempotency_key, percentile, seconds_between
from tipline.errors import Conflict, NotFound
from tipline.evidence.service import read_evidence
from tipline.evidence.store import EvidenceStore
from tipline.routing import store as routing_store
from tipline.routing.models import Route
from tipline.workqueue.wake import wake_after_commit

# The wake channel of delivery workers: a committed new delivery wakes them at once instead
# of at their next poll (time to desk is the point).
CHANNEL = "delivery"


class DeliveryNotFound(NotFound):
    pass


class StalePackage(Conflict):
    """The case changed after this version was queued; a newer delivery replaces it."""

    def __init__(self, replacement: Delivery | None) -> None:
        newer = replacement.id if replacement else None
        super().__init__(f"the case changed; a newer delivery replaces this one ({newer})")
        self.replacement = replacement


class NoPublicKey(Conflict):
    """An evidence bundle was asked for, but the agency has no key to seal it for."""


def enqueue_for_route(session: Session, route: Route) -> Delivery | None:
    """Queue the current version of the route's case for the route's agency, in the caller's
    transaction. Returns the new (or revived) outbox row, or None when exactly this version is
    already queued or delivered to the agency, so a receiver never gets an unchanged case twice.
    An older version still waiting is superseded: only the newest content is worth sending."""
    content = packages.case_content(session, route.case_id)
    version = case_version(content)
    key = idempotency_key(route.case_id, route.agency_id, version)
    existing = store.by_key(session, key)
    if existing is not None and existing.status in ("pending", "delivered", "acknowledged"):
        if existing.status == "pending" and existing.route_id != route.id:
            existing.route_id = route.id  # the newest route's deadline and reasons travel
        return None
    live = store.live_for(session, route.case_id, route.agency_id)
    sent = next((d for d in reversed(live) if d.status in ("delivered", "acknowledged")), None)
    previous = sent.case_version if sent else None
    for older in live:
        if older.status == "pending":
            older.status = "superseded"
            older.last_error = f"superseded by version {version[:16]}"
    facts = {"previous_version": previous, "reports": _included(content, sent)}
    if existing is not None:  # dead or superseded earlier: this exact version is due again
        existing.status, existing.attempts, existing.next_attempt_at = "pending", 0, utcnow()
        existing.route_id, existing.lease_until, existing.last_error = route.id, None, None
        existing.ack_detail = {"package": facts}
        wake_after_commit(session, CHANNEL)
        return existing
    delivery = Delivery(route_id=route.id, case_id=route.case_id, agency_id=route.agency_id,
                        case_version=version, idempotency_key=key, status="pending",
                        attempts=0, next_attempt_at=utcnow(), ack_detail={"package": facts})
    session.add(delivery)
    session.flush()
    wake_after_commit(session, CHANNEL)
    return delivery


def enqueue_for_case(session: Session, case_id: int) -> list[Delivery]:
    """Queue the case's current version for the agency of each of its active routes; the
    new outbox rows (a version an agency already has is not queued again)."""
    queued = [enqueue_for_route(session, route)
              for route in routing_store.active_routes(session, [case_id])]
    return [d for d in queued if d is not None]


def _included(content: dict[str, Any], sent: Delivery | None) -> list[dict[str, Any]]:
    """The reports of this version and whether each is new to the agency: time to desk counts
    a report once, on the first version that brought it."""
    before = {r["report_id"] for r in (sent.ack_detail.get("package", {}).get("reports", [])
                                       if sent else [])}
    return [{"report_id": r["report_id"], "finished_at": r["finished_at"],
             "new": r["report_id"] not in before} for r in content["reports"]]


def package_for(session: Session, delivery: Delivery) -> packages.Package:
    """The package of a delivery, built from the case as it is now. When the case has changed
    since the version was queued, the delivery is superseded by a new one (StalePackage): the
    bytes sent under a version are always the content that version names."""
    agency = store.agency(session, delivery.agency_id)
    route = store.route(session, delivery.route_id)
    if agency is None:
        raise DeliveryNotFound(f"agency {delivery.agency_id} of delivery {delivery.id} is gone")
    content = packages.case_content(session, delivery.case_id)
    if case_version(content) != delivery.case_version:
        replacement = enqueue_for_route(session, route) if route is not None else None
        if delivery.status == "pending":
            delivery.status = "superseded"
            delivery.last_error = "the case changed after this version was queued"
        raise StalePackage(replacement)
    previous = delivery.ack_detail.get("package", {}).get("previous_version")
    return packages.Package(delivery, agency, route, content, previous)


def evidence_bundle(session: Session, evidence: EvidenceStore, actor: Actor,
                    package: packages.Package) -> bytes:
    """Zip the case's evidence (every read audited, purpose naming the delivery) and seal it
    for the agency's public key."""
    if not package.agency.public_key:
        raise NoPublicKey(f"agency {package.agency.code} has no public key for evidence bundles")
    files = package.content["files"]
    seen: dict[str, dict[str, Any]] = {}
    for f in files:
        seen.setdefault(f["sha256"], {"sha256": f["sha256"], "size": f["size"], "file_ids": []})
        seen[f["sha256"]]["file_ids"].append(f["file_id"])
    purpose = f"delivery {package.delivery.id} to {package.agency.code}"

    def reads() -> Iterator[tuple[str, Iterator[bytes]]]:
        for sha256 in seen:
            yield sha256, read_evidence(session, evidence, actor, sha256, purpose)

    manifest = {"case_id": package.delivery.case_id, "version": package.delivery.case_version,
                "files": list(seen.values())}
    return packages.seal_bundle(package.agency.public_key, packages.zip_files(manifest, reads()))


def record_ack(session: Session, delivery: Delivery, detail: dict[str, Any],
               now: dt.datetime) -> None:
    delivery.status = "acknowledged"
    delivery.delivered_at = delivery.delivered_at or now
    delivery.acknowledged_at = now
    delivery.lease_until, delivery.last_error = None, None
    delivery.ack_detail = {**delivery.ack_detail, "ack": detail}


def dead_letter(session: Session, delivery: Delivery, agency: Agency, error: str) -> None:
    delivery.status, delivery.lease_until, delivery.last_error = "dead", None, error[:4000]
    raise_alert(session, "dead_letter", delivery.case_id, agency.id,
                f"delivery {delivery.id} of case {delivery.case_id} "
                f"(version {delivery.case_version[:16]}) to {agency.code} failed "
                f"after {delivery.attempts} attempts: {error}"[:4000])


def requeue_dead(session: Session, delivery_id: int) -> bool:
    """An operator's retry of a dead letter, after the agency's endpoint is fixed."""
    done = session.execute(update(Delivery).where(Delivery.id == delivery_id,
                                                  Delivery.status == "dead")
                           .values(status="pending", attempts=0, next_attempt_at=utcnow(),
                                   lease_until=None))
    return bool(getattr(done, "rowcount", 0))


# --- pull ----------------------------------------------------------------------------------


def agency_for_code(session: Session, code: str) -> Agency:
    agency = store.agency_by_code(session, code)
    if agency is None:
        raise DeliveryNotFound(f"no agency with code {code!r}")
    return agency


def queue(session: Session, agency: Agency, limit: int = 100) -> list[dict[str, Any]]:
    items = []
    for d in store.queue_of(session, agency.id, limit):
        route = store.route(session, d.route_id)
        items.append({
            "delivery_id": d.id, "case_id": d.case_id, "version": d.case_version,
            "previous_version": d.ack_detail.get("package", {}).get("previous_version"),
            "idempotency_key": d.idempotency_key, "status": d.status,
            "queued_at": d.created_at.isoformat(),
            "deadline": route.deadline.isoformat() if route and route.deadline else None,
            "at_risk": bool(route and route.at_risk),
        })
    return items


def pulled(session: Session, agency: Agency, delivery_id: int, actor: Actor, what: str
           ) -> packages.Package:
    """A delivery of this agency (never another's) for download; marks it delivered."""
    delivery = store.delivery_of(session, agency.id, delivery_id)
    if delivery is None or delivery.status in ("superseded",):
        raise DeliveryNotFound(f"delivery {delivery_id} is not in your queue")
    package = package_for(session, delivery)
    if delivery.status == "pending":
        delivery.status, delivery.delivered_at = "delivered", utcnow()
    record(session, actor, f"delivery.pull.{what}", "delivery", delivery.id,
           agency=agency.code, case_id=delivery.case_id, version=delivery.case_version)
    return package


def acknowledge(session: Session, agency: Agency, delivery_id: int, actor: Actor,
                detail: dict[str, Any]) -> Delivery:
    delivery = store.delivery_of(session, agency.id, delivery_id)
    if delivery is None or delivery.status in ("superseded", "dead"):
        raise DeliveryNotFound(f"delivery {delivery_id} is not in your queue")
    if delivery.status != "acknowledged":  # a repeated ack changes nothing
        record_ack(session, delivery, {"via": "pull", **detail}, utcnow())
        record(session, actor, "delivery.ack", "delivery", delivery.id, agency=agency.code)
    return delivery


# --- what an agency should expect ----------------------------------------------------------


def forecast(session: Session, agency: Agency, now: dt.datetime | None = None
             ) -> dict[str, Any]:
    """Deliveries queued now, cases expected in the next 24 hours, deadlines falling due."""
    now = now or utcnow()
    ids = reaching(agency)
    since = now - dt.timedelta(days=agencies_rules.FORECAST_DAYS)
    result = agencies_rules.forecast(routing_store.first_routed(session, ids, since),
                                     routing_store.open_deadlines(session, ids),
                                     store.queued(session, ids), now)
    return {"agency": agency.code, **result}


# --- time to desk --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskTime:
    agency: str
    count: int
    p50: float | None
    p95: float | None
    max: float | None


def time_to_desk(session: Session, since: dt.datetime | None = None) -> list[DeskTime]:
    """Per agency, seconds from each included report's finish to the delivery's ack."""
    samples: dict[str, list[float]] = {}
    for delivery, code in store.acknowledged(session, since):
        for seconds in desk_seconds(delivery):
            samples.setdefault(code, []).append(seconds)
    return [DeskTime(code, len(v), percentile(v, 50), percentile(v, 95), max(v))
            for code, v in sorted(samples.items())]


def desk_seconds(delivery: Delivery) -> list[float]:
    out = []
    for report in delivery.ack_detail.get("package", {}).get("reports", []):
        if not report.get("new", True):
            continue
        finished = report.get("finished_at")
        start = dt.datetime.fromisoformat(finished) if finished else None
        seconds = seconds_between(start, delivery.acknowledged_at)
        if seconds is not None:
            out.append(seconds)
    return out
