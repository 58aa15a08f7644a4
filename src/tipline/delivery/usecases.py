"""Delivery use cases: an agency pulls its queue and packages and acknowledges them; staff
read time to desk. Every lookup is by (the user's agency, delivery id), so another agency's
delivery is a 404 (`tipline.access`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tipline import access
from tipline.audit.service import Actor
from tipline.db import Database, utcnow
from tipline.delivery import inbox as inbox_views
from tipline.delivery import packages, service
from tipline.state import AppState
from tipline.users.service import StaffUser


@dataclass(frozen=True)
class Pulled:
    body: bytes
    idempotency_key: str
    case_id: int
    case_version: str


def _builders(state: AppState) -> dict[str, Callable[[Session, packages.Package, Actor],
                                                      bytes]]:
    return {
        "json": lambda _s, p, _a: packages.json_bytes(p, utcnow()),
        "xml": lambda _s, p, _a: packages.xml_bytes(p, state.schema, utcnow()),
        "bundle": lambda s, p, a: service.evidence_bundle(s, state.evidence, a, p),
    }


def my_queue(db: Database, user: StaffUser) -> dict[str, Any]:
    """Packages routed to the user's agency and not yet acknowledged, oldest first."""
    with db.sessions() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        return {"agency": agency.code, "items": service.queue(session, agency)}


@dataclass(frozen=True)
class Inbox:
    agency_code: str
    agency_name: str
    delivery_method: str
    waiting: list[inbox_views.DeliveryRow]
    cases: list[inbox_views.RoutedCase]


def inbox(db: Database, user: StaffUser) -> Inbox:
    """The agency inbox page: deliveries waiting for the agency's acknowledgement and the
    cases routed to it (only its own), nearest deadline first."""
    with db.sessions() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        return Inbox(agency.code, agency.name, agency.delivery_method,
                     inbox_views.waiting(session, agency),
                     inbox_views.routed_cases(session, agency))


def inbox_case(db: Database, user: StaffUser, case_id: int) -> inbox_views.CaseView:
    """One case routed to the user's agency; any other case is not found (404)."""
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        agency = access.own_agency(session, viewer)
        return inbox_views.case_view(session, agency, access.case(session, viewer, case_id))


def pull(state: AppState, user: StaffUser, actor: Actor, delivery_id: int,
         what: str) -> Pulled:
    """A package of the user's agency (`what`: json, xml or bundle); marks it delivered. When
    the case changed since the version was queued, the supersede (and its replacement) is
    committed first, then StalePackage (409) names the replacement."""
    build = _builders(state)[what]
    with state.db.transaction() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        try:
            package = service.pulled(session, agency, delivery_id, actor, what)
        except service.StalePackage as exc:
            stale = exc
        else:
            d = package.delivery
            return Pulled(build(session, package, actor), d.idempotency_key, d.case_id,
                          d.case_version)
    raise stale


def acknowledge(db: Database, user: StaffUser, actor: Actor, delivery_id: int,
                detail: dict[str, Any]) -> dict[str, Any]:
    with db.transaction() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        d = service.acknowledge(session, agency, delivery_id, actor, detail)
        return {"delivery_id": d.id, "status": d.status,
                "acknowledged_at": d.acknowledged_at.isoformat() if d.acknowledged_at
                else None}


def time_to_desk(db: Database, user: StaffUser, since: dt.datetime | None
                 ) -> list[service.DeskTime]:
    with db.sessions() as session:
        access.check_centre(access.staff_viewer(session, user), "read time to desk")
        return service.time_to_desk(session, since)
