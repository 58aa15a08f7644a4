"""Queries of the cases domain."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select, true, tuple_, update
from sqlalchemy.orm import Session

from tipline.cases.models import Case, CaseEvent, CaseLinkDecision, CaseNote, CaseReport
from tipline.cases.rules import LINK_KINDS, LINK_ROLES, IpUse, ReportFacts
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.clusters.rules import seen_at
from tipline.clusters.store import bank_matched_clusters, chunks
from tipline.reporters.models import Reporter
from tipline.reports.models import Identifier, IpEvent, Report


def identifiers_of(session: Session, report_id: int) -> list[tuple[str, str]]:
    """The (kind, value) keys of a report that can link it to others."""
    return list(dict.fromkeys(session.execute(
        select(Identifier.kind, Identifier.value)
        .where(Identifier.report_id == report_id, Identifier.kind.in_(LINK_KINDS),
               Identifier.role.in_(LINK_ROLES), Identifier.value != "")
        .order_by(Identifier.id))))


def linked_by_identifiers(session: Session, report_id: int, keys: Sequence[tuple[str, str]]
                          ) -> list[tuple[int, int, str, str]]:
    """(report, case, kind, value) of earlier reports, already in a case, with these keys."""
    found: list[tuple[int, int, str, str]] = []
    for part in chunks(keys):
        found += session.execute(
            select(Identifier.report_id, CaseReport.case_id, Identifier.kind, Identifier.value)
            .join(CaseReport, CaseReport.report_id == Identifier.report_id)
            .where(tuple_(Identifier.kind, Identifier.value).in_(list(part)),
                   Identifier.role.in_(LINK_ROLES), Identifier.report_id != report_id)
            .distinct()).all()
    return found


def new_material_clusters(session: Session, report_id: int) -> list[int]:
    """Clusters of the report's files that no bank accounts for (neither known material nor
    known benign content)."""
    return list(session.scalars(
        select(MediaCluster.id).join(ClusterMember, ClusterMember.cluster_id == MediaCluster.id)
        .where(ClusterMember.report_id == report_id, MediaCluster.known.is_(False),
               MediaCluster.id.not_in(bank_matched_clusters()))
        .distinct().order_by(MediaCluster.id)))


def linked_by_clusters(session: Session, report_id: int, cluster_ids: Sequence[int]
                       ) -> list[tuple[int, int, int]]:
    """(report, case, cluster) of earlier reports, already in a case, with files there."""
    found: list[tuple[int, int, int]] = []
    for part in chunks(cluster_ids):
        found += session.execute(
            select(ClusterMember.report_id, CaseReport.case_id, ClusterMember.cluster_id)
            .join(CaseReport, CaseReport.report_id == ClusterMember.report_id)
            .where(ClusterMember.cluster_id.in_(list(part)),
                   ClusterMember.report_id != report_id).distinct()).all()
    return found


def ip_uses(session: Session, report_id: int) -> list[IpUse]:
    rows = session.execute(select(IpEvent.ip, IpEvent.at, IpEvent.possible_proxy)
                           .where(IpEvent.report_id == report_id,
                                  IpEvent.role.in_(LINK_ROLES))).all()
    accounts = accounts_of(session, [report_id]).get(report_id, ())
    return [IpUse(report_id, r.ip, r.at, bool(r.possible_proxy), accounts) for r in rows]


def ip_uses_near(session: Session, mine: Sequence[IpUse], window: dt.timedelta) -> list[IpUse]:
    """Every other report's use of these addresses within the window (linked or not yet: a
    shared address is judged on everyone who used it, not only on reports already in cases)."""
    found: list[IpUse] = []
    for use in mine:
        if use.at is None or use.proxy:
            continue
        rows = session.execute(
            select(IpEvent.report_id, IpEvent.ip, IpEvent.at, IpEvent.possible_proxy)
            .where(IpEvent.ip == use.ip, IpEvent.role.in_(LINK_ROLES),
                   IpEvent.report_id != use.report_id,
                   IpEvent.at >= use.at - window, IpEvent.at <= use.at + window)).all()
        accounts = accounts_of(session, sorted({r.report_id for r in rows}))
        found += [IpUse(r.report_id, r.ip, r.at, bool(r.possible_proxy),
                        accounts.get(r.report_id, ())) for r in rows]
    return found


def accounts_of(session: Session, report_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    for part in chunks(report_ids):
        for rid, value in session.execute(
                select(Identifier.report_id, Identifier.value)
                .where(Identifier.report_id.in_(list(part)), Identifier.kind == "account",
                       Identifier.role == "reported").order_by(Identifier.id)):
            found[rid].append(value)
    return {rid: tuple(dict.fromkeys(values)) for rid, values in found.items()}


def cases_of(session: Session, report_ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for part in chunks(report_ids):
        found.update({r: c for r, c in session.execute(
            select(CaseReport.report_id, CaseReport.case_id)
            .where(CaseReport.report_id.in_(list(part))))})
    return found


def resolve(session: Session, case_id: int) -> Case | None:
    """The case, following merges to the one that holds its reports now."""
    seen: set[int] = set()
    case = session.get(Case, case_id)
    while case is not None and case.merged_into_id is not None and case.id not in seen:
        seen.add(case.id)
        case = session.get(Case, case.merged_into_id)
    return case


def case_of_report(session: Session, report_id: int) -> Case | None:
    row = session.get(CaseReport, report_id)
    return resolve(session, row.case_id) if row else None


def move_reports(session: Session, source: int, target: int) -> list[int]:
    moved = list(session.scalars(select(CaseReport.report_id)
                                 .where(CaseReport.case_id == source)
                                 .order_by(CaseReport.report_id)))
    session.execute(update(CaseReport).where(CaseReport.case_id == source)
                    .values(case_id=target))
    return moved


def case_reports(session: Session, case_id: int, only: ColumnElement[bool] | None = None
                 ) -> list[tuple[CaseReport, Report]]:
    """The case's reports; `only` narrows them (e.g. to what a reader may see)."""
    return list(session.execute(
        select(CaseReport, Report).join(Report, Report.id == CaseReport.report_id)
        .where(CaseReport.case_id == case_id, true() if only is None else only)
        .order_by(Report.id)))


def report_facts(session: Session, case_id: int, only: ColumnElement[bool] | None = None
                 ) -> list[ReportFacts]:
    """The summary's inputs for every report of the case (or those `only` lets through), in
    a few queries."""
    rows = session.execute(
        select(Report.id, Report.incident_type, Report.annotations, Report.incident_at,
               Report.finished_at, Report.created_at, Reporter.country)
        .join(CaseReport, CaseReport.report_id == Report.id)
        .join(Reporter, Reporter.id == Report.reporter_id)
        .where(CaseReport.case_id == case_id, true() if only is None else only)
        .order_by(Report.id)).all()
    ids = [r.id for r in rows]
    idents: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    clusters: dict[int, dict[int, bool]] = defaultdict(dict)
    for part in chunks(ids):
        for rid, kind, value in session.execute(
                select(Identifier.report_id, Identifier.kind, Identifier.value)
                .where(Identifier.report_id.in_(list(part)), Identifier.kind.in_(
                    ("account", "email")), Identifier.role.in_(LINK_ROLES))):
            idents[rid][kind].append(value)
        for rid, cid, known in session.execute(
                select(ClusterMember.report_id, MediaCluster.id, MediaCluster.known)
                .join(MediaCluster, MediaCluster.id == ClusterMember.cluster_id)
                .where(ClusterMember.report_id.in_(list(part)))):
            clusters[rid][cid] = bool(known)
    return [ReportFacts(
        report_id=r.id, incident_type=r.incident_type,
        annotations=tuple(str(a) for a in r.annotations or ()),
        seen=seen_at(r.incident_at, r.finished_at or r.created_at),
        reporter_country=r.country,
        accounts=tuple(dict.fromkeys(idents[r.id]["account"])),
        emails=tuple(dict.fromkeys(idents[r.id]["email"])),
        clusters=clusters[r.id]) for r in rows]


def events(session: Session, case_ids: Sequence[int]) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(list(case_ids)))
                                .order_by(CaseEvent.id)))


def merged_from(session: Session, case_id: int) -> list[int]:
    """Every case merged, directly or through others, into this one."""
    found: list[int] = []
    frontier = [case_id]
    while frontier:
        rows = list(session.scalars(select(Case.id).where(Case.merged_into_id.in_(frontier))))
        found += rows
        frontier = rows
    return found


# --- casework ---------------------------------------------------------------------------------

def lock(session: Session, case_id: int) -> Case | None:
    """The case row, locked until the transaction ends (PostgreSQL: `FOR UPDATE`; SQLite
    transactions already exclude other writers), re-read so a waiter sees the winner's write."""
    return session.scalar(select(Case).where(Case.id == case_id).with_for_update()
                          .execution_options(populate_existing=True))


def leased_by(session: Session, user_id: int) -> list[Case]:
    return list(session.scalars(select(Case).where(
        Case.owner_id == user_id, Case.lease_until.is_not(None)).order_by(Case.id)))


def notes(session: Session, case_ids: Sequence[int]) -> list[CaseNote]:
    return list(session.scalars(select(CaseNote).where(CaseNote.case_id.in_(list(case_ids)))
                                .order_by(CaseNote.id)))


def family(session: Session, case_id: int) -> list[int]:
    """The case and every case merged into it."""
    return [case_id, *merged_from(session, case_id)]


def apart_decisions(session: Session, case_ids: Sequence[int]) -> list[CaseLinkDecision]:
    """Decisions in force that keep one of these cases apart from another."""
    ids = list(case_ids)
    return list(session.scalars(select(CaseLinkDecision).where(
        CaseLinkDecision.kind == "apart", CaseLinkDecision.revoked_at.is_(None),
        CaseLinkDecision.case_id.in_(ids) | CaseLinkDecision.other_case_id.in_(ids))
        .order_by(CaseLinkDecision.id)))


def links_of(session: Session, case_id: int) -> list[CaseReport]:
    return list(session.scalars(select(CaseReport).where(CaseReport.case_id == case_id)
                                .order_by(CaseReport.report_id)))


def apart_pairs(session: Session, case_ids: Sequence[int]) -> dict[frozenset[int], list[int]]:
    """The pairs of these cases a person kept apart, with the ids of the decisions. A
    decision about a case merged since counts for the case that holds its reports now."""
    holder: dict[int, int] = {}
    for case_id in case_ids:
        for member in family(session, case_id):
            holder[member] = case_id
    pairs: dict[frozenset[int], list[int]] = defaultdict(list)
    for decision in apart_decisions(session, list(holder)):
        a, b = holder.get(decision.case_id), holder.get(decision.other_case_id)
        if a is not None and b is not None and a != b:
            pairs[frozenset((a, b))].append(decision.id)
    return dict(pairs)


def decisions_about(session: Session, case_ids: Sequence[int]) -> list[CaseLinkDecision]:
    ids = list(case_ids)
    return list(session.scalars(select(CaseLinkDecision).where(
        CaseLinkDecision.case_id.in_(ids) | CaseLinkDecision.other_case_id.in_(ids))
        .order_by(CaseLinkDecision.id)))
