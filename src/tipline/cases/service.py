"""Use cases of the cases domain. They never commit: the pipeline commits the stage."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from tipline.cases import store
from tipline.cases.models import Case, CaseEvent, CaseReport
from tipline.cases.rules import cluster_key, identifier_key, ip_links, seen_bounds, summarize
from tipline.clusters.store import serialize
from tipline.db import utcnow

LOCK = "tipline.cases"


@dataclass(frozen=True)
class LinkPolicy:
    ip_window: dt.timedelta
    shared_ip_accounts: int


def shared_keys(session: Session, report_id: int, policy: LinkPolicy) -> dict[int, set[str]]:
    """Earlier reports (already in a case) this report shares a key with, and the keys."""
    links: dict[int, set[str]] = defaultdict(set)
    keys = store.identifiers_of(session, report_id)
    for other, _case, kind, value in store.linked_by_identifiers(session, report_id, keys):
        links[other].add(identifier_key(kind, value))
    # Known material links nobody: strangers sharing a well-known image are not one case.
    new = store.new_material_clusters(session, report_id)
    for other, _case, cluster in store.linked_by_clusters(session, report_id, new):
        links[other].add(cluster_key(cluster))
    mine = store.ip_uses(session, report_id)
    nearby = store.ip_uses_near(session, mine, policy.ip_window)
    linked = store.cases_of(session, sorted({u.report_id for u in nearby}))
    by_ip = ip_links(mine, nearby, policy.ip_window, policy.shared_ip_accounts)
    for other, ip_keys in by_ip.items():
        if other in linked:  # a report not yet in a case links to this one when it is
            links[other] |= ip_keys
    return links


def link_report(session: Session, report_id: int, policy: LinkPolicy) -> Case:
    """Put the report in a case with every earlier report it shares a key with; when it
    bridges several cases they merge into the oldest. Serialized across workers."""
    serialize(session, LOCK)
    existing = store.case_of_report(session, report_id)
    if existing is not None:  # a retry is harmless
        return existing
    links = shared_keys(session, report_id, policy)
    case_ids = store.cases_of(session, sorted(links))
    cases = {c.id: c for c in (store.resolve(session, cid) for cid in set(case_ids.values()))
             if c is not None}
    if cases:
        target = cases[min(cases)]
        for other in sorted(set(cases) - {target.id}):
            merge(session, cases[other], target, report_id)
    else:
        target = Case(status="open", summary={})
        session.add(target)
        session.flush()
        session.add(CaseEvent(case_id=target.id, kind="created", detail={"report_id": report_id}))
    linked_by = [{"report_id": other, "keys": sorted(keys)} for other, keys in sorted(links.items())
                 if other in case_ids]
    session.add(CaseReport(report_id=report_id, case_id=target.id, linked_by=linked_by))
    session.add(CaseEvent(case_id=target.id, kind="report_added",
                          detail={"report_id": report_id, "linked_by": linked_by}))
    session.flush()
    refresh(session, target)
    return target


def merge(session: Session, source: Case, target: Case, report_id: int) -> None:
    """A report bridged two cases: the younger one's reports move to the older one; both
    cases record it, and the younger keeps `merged_into_id` so its id still resolves."""
    moved = store.move_reports(session, source.id, target.id)
    source.status, source.merged_into_id, source.updated_at = "merged", target.id, utcnow()
    session.add(CaseEvent(case_id=source.id, kind="merged",
                          detail={"into": target.id, "by_report": report_id, "reports": moved}))
    session.add(CaseEvent(case_id=target.id, kind="absorbed",
                          detail={"from": source.id, "by_report": report_id, "reports": moved}))


def refresh(session: Session, case: Case) -> None:
    """Recompute the summary and first/last seen of a case from its reports."""
    facts = store.report_facts(session, case.id)
    case.summary = summarize(facts)
    case.first_seen, case.last_seen = seen_bounds(facts)
    case.updated_at = utcnow()


def case_view(session: Session, case_id: int, reports: ColumnElement[bool] | None = None
              ) -> dict[str, Any] | None:
    """A case for reading: summary, reports (with the keys that linked each), media clusters,
    and the history of this case and of every case merged into it. A merged case's id
    resolves to the case that holds its reports now. `reports` narrows the reports listed
    (and the clusters, taken from them) to those a reader may see."""
    case = store.resolve(session, case_id)
    if case is None:
        return None
    rows = store.case_reports(session, case.id, reports)
    merged = store.merged_from(session, case.id)
    facts = store.report_facts(session, case.id, reports)
    clusters: dict[int, bool] = {}
    for f in facts:
        clusters.update(f.clusters)
    return {
        "id": case.id, "requested_id": case_id, "status": case.status,
        "created_at": _iso(case.created_at), "updated_at": _iso(case.updated_at),
        "first_seen": _iso(case.first_seen), "last_seen": _iso(case.last_seen),
        "priority": {"level": case.priority_level, "score": case.priority_score,
                     "reasons": case.priority_reasons, "deadline": _iso(case.deadline)},
        "summary": case.summary, "merged_from": merged,
        "reports": [{"report_id": link.report_id, "incident_type": report.incident_type,
                     "received_at": _iso(report.created_at),
                     "incident_at": _iso(report.incident_at), "linked_by": link.linked_by}
                    for link, report in rows],
        "clusters": [{"cluster_id": cid, "known": known} for cid, known in sorted(
            clusters.items())],
        "history": [{"case_id": e.case_id, "at": _iso(e.at), "kind": e.kind, "detail": e.detail}
                    for e in store.events(session, [case.id, *merged])],
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
