"""Read models of an agency's inbox (the agency's pages): the cases routed to it with their
deadlines and the state of their newest delivery, and one case's routes and deliveries. Only
the agency's own routes and deliveries are read (`agencies.service.reaching`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.agencies.service import reaching
from tipline.cases.models import Case, CaseReport
from tipline.delivery import store
from tipline.delivery.models import Delivery
from tipline.routing import store as routing_store

# What an agency can still do with a delivery: download it (not when superseded or dead) and
# acknowledge it (only when it is waiting).
DOWNLOADABLE = ("pending", "delivered", "acknowledged")
WAITING = ("pending", "delivered")


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    case_id: int
    version: str
    status: str
    queued_at: dt.datetime
    delivered_at: dt.datetime | None
    acknowledged_at: dt.datetime | None

    @property
    def downloadable(self) -> bool:
        return self.status in DOWNLOADABLE

    @property
    def waiting(self) -> bool:
        return self.status in WAITING


@dataclass(frozen=True)
class RoutedCase:
    case_id: int
    priority_level: str | None
    deadline: dt.datetime | None
    at_risk: bool
    reasons: list[Any]
    channel_chain: list[Any]
    routed_at: dt.datetime
    delivery: DeliveryRow | None  # the newest one that is not superseded


@dataclass(frozen=True)
class RouteRow:
    status: str
    deadline: dt.datetime | None
    at_risk: bool
    reasons: list[Any]
    channel_chain: list[Any]
    computed_at: dt.datetime


@dataclass(frozen=True)
class CaseView:
    case_id: int
    priority_level: str | None
    reports: int
    routes: list[RouteRow]
    deliveries: list[DeliveryRow]


def delivery_row(d: Delivery) -> DeliveryRow:
    return DeliveryRow(d.id, d.case_id, d.case_version, d.status, d.created_at, d.delivered_at,
                       d.acknowledged_at)


def waiting(session: Session, agency: Agency, limit: int = 200) -> list[DeliveryRow]:
    """Deliveries sent or ready to pull and not yet acknowledged, oldest first."""
    return [delivery_row(d) for d in store.queue_of(session, agency.id, limit)]


def routed_cases(session: Session, agency: Agency, limit: int = 200) -> list[RoutedCase]:
    """Active routes to the agency, nearest deadline first (none last)."""
    routes = routing_store.routes_to(session, reaching(agency), limit=limit)
    case_ids = [r.case_id for r in routes]
    levels: dict[int, str | None] = {case_id: level for case_id, level in session.execute(
        select(Case.id, Case.priority_level).where(Case.id.in_(case_ids)))}
    newest = _newest_deliveries(session, agency, case_ids)
    rows = [RoutedCase(r.case_id, levels.get(r.case_id), r.deadline, r.at_risk, r.reasons,
                       r.channel_chain, r.computed_at, newest.get(r.case_id)) for r in routes]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(rows, key=lambda c: (_aware(c.deadline) or far, c.case_id))


def case_view(session: Session, agency: Agency, case: Case) -> CaseView:
    """A case as its agency sees it: its routes to the agency and every delivery of it."""
    own = reaching(agency)
    routes = [r for r in routing_store.routes_of_case(session, case.id) if r.agency_id in own]
    deliveries = session.scalars(select(Delivery).where(
        Delivery.case_id == case.id, Delivery.agency_id.in_(own)).order_by(Delivery.id.desc()))
    reports = len(session.scalars(select(CaseReport.report_id)
                                  .where(CaseReport.case_id == case.id)).all())
    return CaseView(case.id, case.priority_level, reports,
                    [RouteRow(r.status, r.deadline, r.at_risk, r.reasons, r.channel_chain,
                              r.computed_at) for r in routes],
                    [delivery_row(d) for d in deliveries])


def _newest_deliveries(session: Session, agency: Agency, case_ids: list[int]
                       ) -> dict[int, DeliveryRow]:
    found: dict[int, DeliveryRow] = {}
    for d in session.scalars(select(Delivery).where(
            Delivery.case_id.in_(case_ids), Delivery.agency_id.in_(reaching(agency)),
            Delivery.status != "superseded").order_by(Delivery.id)):
        found[d.case_id] = delivery_row(d)  # ascending ids: the newest wins
    return found


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment and moment.tzinfo is None else moment
