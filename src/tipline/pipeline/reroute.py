"""Routing a case again, outside the pipeline: the handler of the `routing` work queue.

`tipline routing recompute` (after the agency registry or a retention window changed) queues
cases here instead of calling the routing stage. The handler does what the routing, triage
and delivery stages do for a report, for one whole case and in that order, in the
transaction that completes the work item: route it with the registry in force now, recompute
its priority (which reads the new deadline), and queue its current version for the agency of
every active route (a version an agency already has is skipped).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm import Session

from tipline.cases import store as cases_store
from tipline.delivery.service import enqueue_for_case
from tipline.routing import geo
from tipline.routing.service import RoutingConfig, route_case, urls_of_case
from tipline.triage.policy import current_policy
from tipline.triage.service import recompute
from tipline.workqueue.items import Item


def reroute(config: RoutingConfig, policy_path: Path | None, session: Session,
            item: Item) -> None:
    """Route the item's case again (a merged case's id resolves to its survivor)."""
    case = cases_store.resolve(session, int(item.key))
    if case is None:
        return
    # Hosts are resolved before routing takes its lock, as the stage does in its prepare.
    answers = geo.resolve_hosts(urls_of_case(session, case.id), config.resolver)
    outcome = route_case(session, case.id, replace(config, resolver=geo.CachedResolver(answers)))
    # Its priority is recomputed even when no route changed: the case's matches may have
    # (retroactive matching queues cases here too).
    case_id = outcome.case_id if outcome is not None else case.id
    recompute(session, case_id, current_policy(policy_path))
    enqueue_for_case(session, case_id)
