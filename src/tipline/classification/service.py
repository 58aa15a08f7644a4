"""Classification use cases: record facts, derive verdicts, gate unviewed files. Never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.classification import rules, store
from tipline.classification.jurisdictions import load_table, lookup
from tipline.classification.models import JurisdictionRule, LegalAuthority, MediaFact
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.db import utcnow
from tipline.errors import Forbidden, Invalid, NotFound
from tipline.reports.models import ReportFile
from tipline.users.rules import AUTHORITY_ROLES
from tipline.users.service import StaffUser


def as_fact(row: MediaFact) -> rules.Fact:
    return rules.Fact(row.source, row.source_ref, row.age_band, row.activity, row.nature,
                      row.note)


def _add(session: Session, file_id: str, fact: rules.Fact,
         seen: set[tuple[str, str, str | None]]) -> None:
    key = (fact.source, fact.source_ref, fact.note)
    if key in seen:  # the stage may run again after a crash: a fact is recorded once
        return
    seen.add(key)
    session.add(MediaFact(file_id=file_id, source=fact.source, source_ref=fact.source_ref,
                          age_band=fact.age_band, activity=fact.activity, nature=fact.nature,
                          note=fact.note))


def record_file_facts(session: Session, file: ReportFile) -> None:
    """What the matched bank sources and the reporter say about one file, as facts."""
    seen = store.fact_keys(session, file.id)
    for source in store.bank_sources(session, file.id):
        for fact in rules.facts_from_classifications(source.classifications, source.ref):
            _add(session, file.id, fact, seen)
    said = rules.reporter_fact(file.industry_classification, file.annotations or [],
                               f"report {file.report_id}")
    if said:
        _add(session, file.id, said, seen)


@dataclass(frozen=True)
class ReviewOutcome:
    """An analyst's review, and the reports whose cases it may re-prioritise: triage reads
    facts, so the caller has those cases re-triaged (classification never calls triage)."""

    fact: MediaFact
    report_ids: set[int]


def record_review(session: Session, user: StaffUser, actor: Actor, *, age_band: str,
                  activity: str, nature: str, note: str | None, file_id: str | None = None,
                  cluster_id: int | None = None) -> ReviewOutcome:
    """An analyst's review of a file or a whole cluster; later reviews take precedence."""
    rules.check_fact(age_band, activity, nature)
    if file_id is not None and session.get(ReportFile, file_id) is None:
        raise NotFound(f"file {file_id} does not exist")
    if cluster_id is not None and session.get(MediaCluster, cluster_id) is None:
        raise NotFound(f"cluster {cluster_id} does not exist")
    fact = MediaFact(file_id=file_id, cluster_id=cluster_id, source="analyst",
                     source_ref=f"user {user.username}", age_band=age_band, activity=activity,
                     nature=nature, note=note)
    session.add(fact)
    session.flush()
    target = ("file", file_id) if file_id is not None else ("cluster", cluster_id)
    record(session, actor, "classification.review", target[0], str(target[1]),
           age_band=age_band, activity=activity, nature=nature)
    return ReviewOutcome(fact, _reviewed_reports(session, file_id, cluster_id))


def _reviewed_reports(session: Session, file_id: str | None, cluster_id: int | None
                      ) -> set[int]:
    """The reports holding the reviewed file, or any member of the reviewed cluster."""
    if file_id is not None:
        return set(session.scalars(select(ReportFile.report_id).where(ReportFile.id == file_id)))
    return set(session.scalars(
        select(ClusterMember.report_id).where(ClusterMember.cluster_id == cluster_id)))


@dataclass(frozen=True)
class Classification:
    file_id: str
    cluster_id: int | None
    facts: list[MediaFact]
    effective: rules.Effective
    baseline: rules.Baseline
    baseline_reason: str
    verdicts: list[rules.Verdict]


def effective_for_file(session: Session, file_id: str) -> rules.Effective:
    return rules.effective([as_fact(f) for f in store.facts_for_file(session, file_id)])


def classify_file(session: Session, file_id: str,
                  jurisdictions: Iterable[str] | None = None) -> Classification:
    if session.get(ReportFile, file_id) is None:
        raise NotFound(f"file {file_id} does not exist")
    facts = store.facts_for_file(session, file_id)
    derived = rules.effective([as_fact(f) for f in facts])
    status, reason = rules.baseline(derived)
    return Classification(file_id, store.cluster_of(session, file_id), facts, derived, status,
                          reason, rules.verdicts(derived, load_table(), jurisdictions))


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    reason: str


@dataclass(frozen=True)
class AuthorityRule:
    """Whether a jurisdiction requires legal authority before an unviewed file is opened:
    `yes`, `no`, or `unknown` (then the gate stays closed), and where that comes from."""

    code: str
    requires: str
    source: str
    recorded: bool  # an administrator's record, not the shipped table


def authority_rule(session: Session, code: str) -> AuthorityRule:
    """An administrator's record first, then the shipped table; anything else is unknown."""
    code = code.upper()
    recorded = session.get(JurisdictionRule, code)
    if recorded is not None:
        return AuthorityRule(code, recorded.unviewed_requires_authority, recorded.source, True)
    row = lookup(code)
    if row is not None and row.unviewed_requires_authority in ("yes", "no"):
        return AuthorityRule(code, row.unviewed_requires_authority, row.source, False)
    return AuthorityRule(code, "unknown", "", False)


def can_open(session: Session, user: StaffUser, file: ReportFile) -> GateDecision:
    """May this user open (view) this file's content? Hash-based facts never need this. The
    gate fails closed: unless the user's jurisdiction is known not to require legal authority,
    a file its reporter did not view stays locked until authority is recorded."""
    if file.viewed_by_reporter:
        return GateDecision(True, "the reporter viewed this file")
    rule = authority_rule(session, user.jurisdiction)
    viewed = "did not view" if file.viewed_by_reporter is False else "did not say it viewed"
    if rule.requires == "no":
        return GateDecision(True, f"the reporter {viewed} this file; {rule.code} does not "
                            f"require legal authority first ({rule.source})")
    authority = store.authority_for(session, file.id, user.jurisdiction)
    if authority is None:
        why = ("requires legal authority (e.g. a warrant) before it is opened"
               if rule.requires == "yes" else
               "has no recorded rule on legal authority, so the file stays locked (an "
               "administrator may record the jurisdiction's rule with its source)")
        return GateDecision(False, f"the reporter {viewed} this file and {rule.code} {why}; "
                            "a supervisor or administrator must record legal authority first")
    return GateDecision(True, f"legal authority {authority.reference!r} recorded by "
                        f"{authority.recorded_by} on {authority.recorded_at:%Y-%m-%d}")


def record_jurisdiction_rule(session: Session, user: StaffUser, actor: Actor, code: str,
                             requires: str, source: str) -> AuthorityRule:
    code = code.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise Invalid(f"jurisdiction {code!r} must be an ISO 3166 alpha-2 code such as DE")
    if requires not in ("yes", "no"):
        raise Invalid("unviewed_requires_authority must be yes or no")
    if len(source.strip()) < 5:
        raise Invalid("cite the source of the rule (the statute, section or case)")
    row = session.get(JurisdictionRule, code) or JurisdictionRule(code=code)
    row.unviewed_requires_authority, row.source = requires, source.strip()
    row.recorded_by, row.recorded_at = user.username, utcnow()
    session.add(row)
    session.flush()
    record(session, actor, "jurisdiction.rule", "jurisdiction", code,
           unviewed_requires_authority=requires, source=row.source)
    return authority_rule(session, code)


def record_authority(session: Session, user: StaffUser, actor: Actor, file_id: str,
                     reference: str, jurisdiction: str | None = None) -> LegalAuthority:
    """Legal authority to open an unviewed file, for the recording user's own jurisdiction
    only: a supervisor acting in one country cannot unlock a file for another's staff.
    (`tipline.access` decides this for use cases; the service is the last word.)"""
    if user.role not in AUTHORITY_ROLES:
        raise Forbidden(f"role {user.role!r} may not record legal authority")
    code = user.jurisdiction.upper()
    if jurisdiction is not None and jurisdiction.strip().upper() != code:
        raise Forbidden(f"you act in {code}: legal authority for {jurisdiction.upper()} "
                        "must be recorded by a supervisor acting there")
    if session.get(ReportFile, file_id) is None:
        raise NotFound(f"file {file_id} does not exist")
    authority = LegalAuthority(file_id=file_id, jurisdiction=code, reference=reference.strip(),
                               recorded_by=user.username)
    session.add(authority)
    session.flush()
    record(session, actor, "legal_authority.record", "file", file_id, jurisdiction=code,
           reference=authority.reference, authority_id=authority.id)
    return authority
