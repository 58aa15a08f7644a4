"""The routing stage, listed in `pipeline/stages.py` after classification and before triage
(which reads the deadlines routing sets) and delivery (which queues the routes)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from tipline.cases.store import case_of_report
from tipline.db import Database
from tipline.routing import geo
from tipline.routing.service import RoutingConfig, route_case, urls_of_case


def resolve(db: Database, config: RoutingConfig, report_id: int) -> dict[str, list[str]]:
    """routing (prepare): resolve the hosts of the case's URLs before any transaction, so a
    slow DNS answer never holds the routing lock."""
    with db.sessions() as session:
        case = case_of_report(session, report_id)
        urls = urls_of_case(session, case.id) if case is not None else []
    return geo.resolve_hosts(urls, config.resolver)


def route(config: RoutingConfig, session: Session, report_id: int,
          answers: dict[str, list[str]] | None) -> None:
    """routing (apply): route the report's case with the answers resolved in prepare (a host
    that joined the case in between resolves at the next recompute)."""
    case = case_of_report(session, report_id)
    if case is not None:
        cached = replace(config, resolver=geo.CachedResolver(answers or {}))
        route_case(session, case.id, cached)
