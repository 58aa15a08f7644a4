"""Case use cases for staff and agency users: each one transaction, access applied inside."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tipline import access
from tipline.audit.models import AuditEvent
from tipline.audit.service import Actor, record
from tipline.cases import page
from tipline.cases.models import CaseReport
from tipline.cases.service import case_view
from tipline.classification import service as classification
from tipline.classification.rules import Verdict
from tipline.db import Database, utcnow
from tipline.delivery import store as deliveries
from tipline.reports.models import ReportFile
from tipline.routing import service as routing
from tipline.triage import store as triage
from tipline.users.service import StaffUser


def view_case(db: Database, user: StaffUser, actor: Actor, case_id: int) -> dict[str, Any]:
    """A case the user may see (404 otherwise), with only the reports and clusters they may
    see; the view is audited."""
    with db.transaction() as session:
        viewer = access.staff_viewer(session, user)
        case = access.case(session, viewer, case_id)
        view = case_view(session, case_id, access.visible_reports(viewer, CaseReport.report_id))
        assert view is not None  # access.case found it in this transaction
        record(session, actor, "case.view", "case", case.id)
        return view


@dataclass
class ClusterPanel:
    """A media cluster as the case page shows it: this case's files in it, what banks say
    about them (with provenance) and the classification per jurisdiction."""

    id: int | None  # None: files not (yet) clustered
    kind: str = ""
    known: bool = False
    files_total: int = 0
    reports_total: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)
    baseline: str = ""
    baseline_reason: str = ""
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass(frozen=True)
class CasePage:
    case: dict[str, Any]  # `case_view`: summary, reports and why they were linked, history
    clusters: list[ClusterPanel]
    priorities: list[dict[str, Any]]  # every priority the case had, newest first
    routes: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]
    audit: list[AuditEvent] | None  # the centre's only
    media_visible: bool  # may the viewer load (blurred) thumbnails here
    jurisdictions: list[str]


def case_page(db: Database, user: StaffUser, actor: Actor, case_id: int) -> CasePage:
    """Everything the case page shows, for a user who may see the case (404 otherwise),
    narrowed to what they may see; the view is audited."""
    with db.transaction() as session:
        viewer = access.staff_viewer(session, user)
        case = access.case(session, viewer, case_id)
        reports = access.visible_reports(viewer, CaseReport.report_id)
        view = case_view(session, case_id, reports)
        assert view is not None  # access.case found it in this transaction
        routes = [r for r in routing.case_routes(session, case.id, include_superseded=True)
                  if viewer.is_centre or r["agency"] == viewer.organisation]
        jurisdictions = sorted({user.jurisdiction, *_route_countries(routes)} - {""})
        clusters = _clusters(session, user, case.id, reports, jurisdictions)
        files = [f for c in clusters for f in c.files]
        record(session, actor, "case.view", "case", case.id)
        audit = None
        if viewer.is_centre:
            # Audit rows are written as the transaction commits (chained in commit order),
            # so this view is added to the trail shown, newest first, as it will be stored.
            audit = [AuditEvent(at=utcnow(), actor=actor.name, action="case.view",
                                object_type="case", object_id=str(case.id),
                                remote_addr=actor.remote_addr, detail={}),
                     *page.audit_trail(session, [case.id, *view["merged_from"]],
                                       [f["id"] for f in files], [f["sha256"] for f in files])]
        return CasePage(view, clusters, _priorities(session, case.id), routes,
                        _deliveries(session, viewer, case.id), audit, viewer.is_centre,
                        jurisdictions)


def _route_countries(routes: list[dict[str, Any]]) -> set[str]:
    return {str(reason["country"]) for r in routes for reason in r["reasons"]
            if isinstance(reason, dict) and reason.get("country")}


def _clusters(session: Session, user: StaffUser, case_id: int, reports: Any,
              jurisdictions: list[str]) -> list[ClusterPanel]:
    panels: dict[int | None, ClusterPanel] = {}
    for file, member, cluster in page.case_files(session, case_id, reports):
        key = cluster.id if cluster is not None else None
        panel = panels.setdefault(key, ClusterPanel(key) if cluster is None else ClusterPanel(
            cluster.id, cluster.kind, cluster.known, cluster.files, cluster.reports))
        panel.files.append(_file(session, user, file, member.joined_by if member else ""))
    matches = page.bank_matches(session, [f["id"] for p in panels.values() for f in p.files])
    by_file = {f["id"]: p for p in panels.values() for f in p.files}
    for match, bank, provenance in matches:
        by_file[match.file_id].matches.append({
            "file_id": match.file_id, "bank": bank, "signal_type": match.signal_type,
            "distance": match.distance, "suppressed": match.suppressed,
            "matched_at": match.matched_at, "provenance": provenance})
    for panel in panels.values():
        if panel.id is not None and panel.files:
            verdict = classification.classify_file(session, panel.files[0]["id"], jurisdictions)
            panel.baseline, panel.baseline_reason = verdict.baseline, verdict.baseline_reason
            panel.verdicts = verdict.verdicts
    return list(panels.values())


def _file(session: Session, user: StaffUser, file: ReportFile, joined_by: str
          ) -> dict[str, Any]:
    gate = classification.can_open(session, user, file)
    return {"id": file.id, "report_id": file.report_id, "name": file.file_name or
            file.upload_name or file.id, "media_kind": file.media_kind, "size": file.size,
            "sha256": file.sha256, "joined_by": joined_by, "media_error": file.media_error,
            "openable": gate.allowed, "gate_reason": gate.reason}


def _priorities(session: Session, case_id: int) -> list[dict[str, Any]]:
    return [{"at": p.at, "level": p.level, "score": p.score, "reasons": p.reasons,
             "policy": p.policy} for p in triage.priorities_of(session, case_id)]


def _deliveries(session: Session, viewer: access.Viewer, case_id: int) -> list[dict[str, Any]]:
    return [{"id": d.id, "agency": code, "status": d.status, "attempts": d.attempts,
             "created_at": d.created_at, "delivered_at": d.delivered_at,
             "acknowledged_at": d.acknowledged_at, "last_error": d.last_error}
            for d, code in deliveries.of_case(session, case_id,
                                              access.visible_deliveries(viewer))]
