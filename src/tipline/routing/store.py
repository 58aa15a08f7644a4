"""Queries of the routing domain: what a case's reports say about place, and routes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tipline.cases.models import Case, CaseReport
from tipline.clusters.store import chunks
from tipline.reporters.models import Reporter
from tipline.reports.models import Identifier, IpEvent, Report
from tipline.routing.geo import CaseInputs, IpLead
from tipline.routing.models import Route, RouteCountry
from tipline.routing.rules import reason_countries


def report_ids(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(CaseReport.report_id)
                                .where(CaseReport.case_id == case_id)
                                .order_by(CaseReport.report_id)))


def case_inputs(session: Session, case_id: int) -> CaseInputs:
    ids = report_ids(session, case_id)
    documents: list[tuple[int, dict[str, object]]] = []
    reporters: list[tuple[int, str | None]] = []
    ips: list[IpLead] = []
    urls: list[tuple[int, str]] = []
    for part in chunks(ids):
        for rid, document, country in session.execute(
                select(Report.id, Report.document, Reporter.country)
                .join(Reporter, Reporter.id == Report.reporter_id)
                .where(Report.id.in_(list(part))).order_by(Report.id)):
            documents.append((rid, document or {}))
            reporters.append((rid, country))
        ips += [IpLead(r.report_id, r.ip, r.at, bool(r.possible_proxy)) for r in session.execute(
            select(IpEvent.report_id, IpEvent.ip, IpEvent.at, IpEvent.possible_proxy)
            .where(IpEvent.report_id.in_(list(part))).order_by(IpEvent.id))]
        urls += [(r.report_id, r.value) for r in session.execute(
            select(Identifier.report_id, Identifier.value)
            .where(Identifier.report_id.in_(list(part)), Identifier.kind == "url")
            .order_by(Identifier.id))]
    return CaseInputs(documents, reporters, ips, urls)


def active_routes(session: Session, case_ids: Sequence[int]) -> list[Route]:
    return list(session.scalars(select(Route).where(Route.case_id.in_(list(case_ids)),
                                                    Route.status == "active")
                                .order_by(Route.id)))


def routes_of_case(session: Session, case_id: int) -> list[Route]:
    return list(session.scalars(select(Route).where(Route.case_id == case_id)
                                .order_by(Route.id)))


# --- what reaches an agency ----------------------------------------------------------------

def routes_to(session: Session, agency_ids: Sequence[int], active_only: bool = True,
              limit: int = 1000) -> list[Route]:
    stmt = select(Route).where(Route.agency_id.in_(list(agency_ids)))
    if active_only:
        stmt = stmt.where(Route.status == "active")
    return list(session.scalars(stmt.order_by(Route.id.desc()).limit(limit)))


def first_routed(session: Session, agency_ids: Sequence[int], since: dt.datetime
                 ) -> list[dt.datetime]:
    """When each case first reached these agencies, for cases first routed since `since`
    (a case re-routed after it grew is one case, not two)."""
    firsts = (select(func.min(Route.computed_at).label("at"))
              .where(Route.agency_id.in_(list(agency_ids)))
              .group_by(Route.case_id, Route.agency_id).subquery())
    return list(session.scalars(select(firsts.c.at).where(firsts.c.at >= since)))


def open_deadlines(session: Session, agency_ids: Sequence[int]) -> list[dt.datetime]:
    return [d for d in session.scalars(select(Route.deadline).where(
        Route.agency_id.in_(list(agency_ids)), Route.status == "active",
        Route.deadline.is_not(None))) if d is not None]


def record_countries(session: Session, created: Sequence[Route],
                     superseded: Sequence[Route]) -> None:
    """Keep `route_countries` the countries of the active routes: a new route adds its
    reasons' countries, a superseded one takes its own away (ids assigned: after a flush)."""
    gone = [r.id for r in superseded]
    if gone:
        session.execute(delete(RouteCountry).where(RouteCountry.route_id.in_(gone)))
    session.add_all(RouteCountry(route_id=r.id, country=country, case_id=r.case_id)
                    for r in created for country in reason_countries(r.reasons))


def open_case_ids(session: Session) -> list[int]:
    """Every open case (merged and closed cases are not routed again)."""
    return list(session.scalars(select(Case.id).where(Case.status == "open")
                                .order_by(Case.id)))
