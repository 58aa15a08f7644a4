"""Queries behind the case page: a case's files with their clusters, the bank matches of those
files with their provenance, and the audit trail of the case and its files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from tipline.audit.models import AuditEvent
from tipline.banks.models import Bank, Provenance
from tipline.cases.models import CaseReport
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.matching.models import FileMatch
from tipline.reports.models import ReportFile


def case_files(session: Session, case_id: int, reports: ColumnElement[bool] | None = None
               ) -> list[tuple[ReportFile, ClusterMember | None, MediaCluster | None]]:
    """Every file of the case's reports (those `reports` allows), with its cluster if any."""
    return [(f, m, c) for f, m, c in session.execute(
        select(ReportFile, ClusterMember, MediaCluster)
        .join(CaseReport, CaseReport.report_id == ReportFile.report_id)
        .outerjoin(ClusterMember, ClusterMember.file_id == ReportFile.id)
        .outerjoin(MediaCluster, MediaCluster.id == ClusterMember.cluster_id)
        .where(CaseReport.case_id == case_id, true() if reports is None else reports)
        .order_by(ClusterMember.cluster_id, ReportFile.report_id, ReportFile.id))]


def bank_matches(session: Session, file_ids: Sequence[str]
                 ) -> list[tuple[FileMatch, str, list[dict[str, Any]]]]:
    """(match, bank name, provenance of the matched entry) of each file's bank matches."""
    if not file_ids:
        return []
    matches = list(session.execute(
        select(FileMatch, Bank.name).join(Bank, Bank.id == FileMatch.bank_id)
        .where(FileMatch.file_id.in_(file_ids)).order_by(FileMatch.file_id, FileMatch.id)))
    entries = {m.entry_id for m, _ in matches}
    provenance: dict[int, list[dict[str, Any]]] = {}
    for p in session.scalars(select(Provenance).where(Provenance.entry_id.in_(entries))
                             .order_by(Provenance.id)) if entries else []:
        provenance.setdefault(p.entry_id, []).append({
            "contributor": p.contributor, "source_list": p.source_list,
            "classifications": p.classifications, "jurisdictions": p.jurisdictions,
            "contributed_at": p.contributed_at})
    return [(m, name, provenance.get(m.entry_id, [])) for m, name in matches]


def audit_trail(session: Session, case_ids: Sequence[int], file_ids: Sequence[str],
                addresses: Sequence[str], limit: int = 200) -> list[AuditEvent]:
    """Who did what to the case (and the cases merged into it), its files and their evidence
    content (reads are audited by address), newest first."""
    where = or_(and_(AuditEvent.object_type == "case",
                     AuditEvent.object_id.in_([str(i) for i in case_ids])),
                and_(AuditEvent.object_type == "file", AuditEvent.object_id.in_(file_ids)),
                and_(AuditEvent.object_type == "evidence",
                     AuditEvent.object_id.in_(addresses)))
    return list(session.scalars(select(AuditEvent).where(where)
                                .order_by(AuditEvent.id.desc()).limit(limit)))
