"""Builds a case's `CaseFeatures` from the database: case_reports -> reports, files, matches,
clusters, facts and identifiers, and the deadline routing set (triage runs after routing and
only reads deadlines: routing owns them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.cases.models import CaseReport
from tipline.classification import rules as classification
from tipline.classification.service import effective_for_file
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.clusters.store import bank_matched_clusters
from tipline.db import utcnow
from tipline.matching.models import FileMatch
from tipline.outcomes.store import actionable_counts
from tipline.reports.models import Identifier, Report, ReportFile
from tipline.reports.normalize import as_list
from tipline.routing.models import Route
from tipline.triage.rules import CaseFeatures

# Incident types in which the child is, or was, in touch with the suspect: with a victim
# described, a child is reachable by the offender now.
CONTACT_INCIDENTS = frozenset({"Online Enticement of Children for Sexual Acts",
                               "Child Sexual Molestation", "Child Sex Trafficking"})


def case_report_ids(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(CaseReport.report_id)
                                .where(CaseReport.case_id == case_id).order_by(
                                    CaseReport.report_id)))


def _new_material(session: Session, files: Sequence[ReportFile]) -> int:
    ids = [f.id for f in files]
    clusters = session.execute(
        select(MediaCluster.id, MediaCluster.known).join(
            ClusterMember, ClusterMember.cluster_id == MediaCluster.id)
        .where(ClusterMember.file_id.in_(ids)).distinct()).all()
    if clusters:
        accounted = set(session.scalars(bank_matched_clusters()
                                        .where(ClusterMember.file_id.in_(ids))))
        return sum(1 for c in clusters if not c.known and c.id not in accounted)
    # Not clustered (yet): count decoded media files that matched no positive bank entry.
    matched = set(session.scalars(select(FileMatch.file_id).where(
        FileMatch.file_id.in_(ids), FileMatch.suppressed.is_(False))))
    return sum(1 for f in files if f.media_kind in ("image", "video") and f.id not in matched)


def _accounts(session: Session, report_ids: Sequence[int]) -> tuple[int, int]:
    values = set(session.scalars(select(Identifier.value).where(
        Identifier.report_id.in_(report_ids), Identifier.role == "reported",
        Identifier.kind == "account")))
    if not values:
        return 0, 0
    # An account in more than one report, in this case or any other, has been reported before.
    repeated = session.execute(
        select(Identifier.value).where(Identifier.kind == "account",
                                       Identifier.role == "reported",
                                       Identifier.value.in_(values))
        .group_by(Identifier.value)
        .having(func.count(func.distinct(Identifier.report_id)) > 1)).all()
    return len(values), len(repeated)


# A reporter's actionable rate counts only once agencies decided this many of its reports:
# below it, one outcome would swing the rate (and the case's priority) on chance.
MIN_DECIDED = 10


def _actionable_percent(session: Session, reporter_ids: set[int], now: dt.datetime) -> int:
    rates = [100 * yes // decided for decided, yes in
             actionable_counts(session, sorted(reporter_ids), now).values()
             if decided >= MIN_DECIDED]
    return max(rates, default=0)


def _prior_reports(report: Report) -> bool:
    return any(party.get("priorCTReports") for party in
               as_list(report.document.get("personOrUserReported")) if isinstance(party, dict))


def _route_deadline(session: Session, case_id: int) -> tuple[dt.datetime, bool, str] | None:
    """The case's deadline as routing set it, the earliest of its active routes' deadlines,
    with where it comes from: the country whose providers' retention ends, and the route."""
    row = session.execute(
        select(Route.deadline, Route.deadline_basis, Agency.code)
        .join(Agency, Agency.id == Route.agency_id)
        .where(Route.case_id == case_id, Route.status == "active", Route.deadline.is_not(None))
        .order_by(Route.deadline).limit(1)).first()
    if row is None:
        return None
    deadline, basis, code = row
    assumed = bool(basis.get("assumed"))
    note = f"IP data retention in {basis.get('country', '?')}, route to {code}"
    if assumed:
        note += "; assumed: that country's retention window is unknown"
    return deadline, assumed, note


def build_features(session: Session, case_id: int,
                   now: dt.datetime | None = None) -> CaseFeatures:
    report_ids = case_report_ids(session, case_id)
    reports = list(session.scalars(select(Report).where(Report.id.in_(report_ids))))
    files = list(session.scalars(select(ReportFile).where(ReportFile.report_id.in_(report_ids))))
    facts = [effective_for_file(session, f.id) for f in files]
    bands = [e.age_band for e in facts if e.age_band != "unknown"]
    youngest = max(bands, key=classification.SEVERITY["age_band"].__getitem__, default="unknown")
    accounts, repeats = _accounts(session, report_ids)
    repeats = max(repeats, sum(1 for r in reports if _prior_reports(r)))
    now = now or utcnow()
    routed = _route_deadline(session, case_id)
    deadline, assumed, note = routed if routed else (None, False, "")
    return CaseFeatures(
        reports=len(reports),
        escalation=any(r.escalate for r in reports),
        victim_in_contact=any(r.incident_type in CONTACT_INCIDENTS
                              and as_list(r.document.get("victim")) for r in reports),
        report_annotations=frozenset(a for r in reports for a in r.annotations or []),
        file_annotations=frozenset(a for f in files for a in f.annotations or []),
        incident_types=frozenset(r.incident_type for r in reports),
        new_material=_new_material(session, files),
        youngest_age_band=youngest,
        baseline_files=sum(1 for e in facts if classification.baseline(e)[0] == "baseline"),
        victims=sum(len(as_list(r.document.get("victim"))) for r in reports),
        accounts=accounts, repeat_accounts=repeats,
        deadline=deadline, deadline_assumed=assumed, now=now,
        deadline_note=note,
        reporter_actionable_percent=_actionable_percent(
            session, {r.reporter_id for r in reports}, now),
    )
