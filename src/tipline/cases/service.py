"""Use cases of the cases domain. They never commit: the pipeline commits the stage."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from tipline.cases import store
from tipline.cases.casework import work_view
from tipline.cases.models import Case, CaseEvent, CaseLinkDecision, CaseReport
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
    bridges several cases they merge into the oldest, except cases a person kept apart
    (`CaseLinkDecision`): the report joins the oldest and stays out of the others, and the
    history says which decision held them apart. Serialized across workers."""
    serialize(session, LOCK)
    existing = store.case_of_report(session, report_id)
    if existing is not None:  # a retry is harmless
        return existing
    links = shared_keys(session, report_id, policy)
    case_ids = store.cases_of(session, sorted(links))
    cases = {c.id: c for c in (store.resolve(session, cid) for cid in set(case_ids.values()))
             if c is not None}
    held: list[dict[str, Any]] = []
    if cases:
        target = cases[min(cases)]
        joined, held = _join(session, cases, target, report_id)
    else:
        target, joined = new_case(session, {"report_id": report_id}), {}
    joined_ids = {target.id, *joined}
    linked_by = [{"report_id": other, "keys": sorted(keys)} for other, keys in sorted(links.items())
                 if other in case_ids and _holder(session, case_ids[other]) in joined_ids]
    session.add(CaseReport(report_id=report_id, case_id=target.id, linked_by=linked_by))
    detail: dict[str, Any] = {"report_id": report_id, "linked_by": linked_by}
    if held:
        detail["held_apart"] = held
    session.add(CaseEvent(case_id=target.id, kind="report_added", detail=detail))
    if target.status == "closed":  # new material on a closed case needs a person again
        reopen_for(session, target, f"report {report_id} was linked to the closed case")
    session.flush()
    refresh(session, target)
    return target


def _join(session: Session, cases: dict[int, Case], target: Case, report_id: int
          ) -> tuple[dict[int, Case], list[dict[str, Any]]]:
    """Merge into `target` every other case not kept apart from it (or from one merged
    into it now); the rest are listed with the decisions that hold them apart."""
    apart = store.apart_pairs(session, sorted(cases))
    group, held = {target.id}, []
    joined: dict[int, Case] = {}
    for other in sorted(set(cases) - {target.id}):
        blocking = sorted(d for member in group for d in apart.get(frozenset((other, member)),
                                                                   []))
        if blocking:
            held.append({"case_id": other, "decisions": blocking})
            continue
        merge(session, cases[other], target, report_id)
        group.add(other)
        joined[other] = cases[other]
    return joined, held


def _holder(session: Session, case_id: int) -> int | None:
    case = store.resolve(session, case_id)
    return case.id if case else None


def new_case(session: Session, detail: dict[str, Any], actor: str | None = None) -> Case:
    case = Case(status="open", summary={})
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, kind="created", actor=actor, detail=detail))
    return case


def reopen_for(session: Session, case: Case, reason: str) -> None:
    """The pipeline reopens a closed case (no person acted: no actor)."""
    session.add(CaseEvent(case_id=case.id, kind="reopened", detail={
        "from": case.work_status, "to": "in_review", "reason": reason}))
    case.status, case.work_status, case.closing_reason = "open", "in_review", None


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
    work = work_view(session, case)
    family = [case.id, *merged]
    return {
        "id": case.id, "requested_id": case_id, "status": case.work_status,
        "lifecycle": case.status, "closing_reason": case.closing_reason,
        "owner": work["owner"], "lease_until": work["lease_until"],
        "assigned": work["assigned"],
        "created_at": _iso(case.created_at), "updated_at": _iso(case.updated_at),
        "first_seen": _iso(case.first_seen), "last_seen": _iso(case.last_seen),
        "priority": {"level": case.priority_level, "label": case.priority_label,
                     "score": case.priority_score,
                     "reasons": case.priority_reasons, "deadline": _iso(case.deadline)},
        "summary": case.summary, "merged_from": merged,
        "reports": [{"report_id": link.report_id, "incident_type": report.incident_type,
                     "received_at": _iso(report.created_at),
                     "incident_at": _iso(report.incident_at), "linked_by": link.linked_by}
                    for link, report in rows],
        "clusters": [{"cluster_id": cid, "known": known} for cid, known in sorted(
            clusters.items())],
        "history": [{"case_id": e.case_id, "at": _iso(e.at), "kind": e.kind, "actor": e.actor,
                     "detail": e.detail} for e in store.events(session, family)],
        "notes": [{"id": n.id, "author": n.author, "at": _iso(n.at), "text": n.text}
                  for n in store.notes(session, family)],
        "decisions": decisions_view(store.decisions_about(session, family)),
    }


def decisions_view(rows: list[CaseLinkDecision]) -> list[dict[str, Any]]:
    return [{"id": d.id, "kind": d.kind, "case_id": d.case_id, "other_case_id": d.other_case_id,
             "report_id": d.report_id, "other_report_id": d.other_report_id, "keys": d.keys,
             "reason": d.reason, "decided_by": d.decided_by, "at": _iso(d.at),
             "revoked_at": _iso(d.revoked_at)} for d in rows]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
