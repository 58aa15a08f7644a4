"""Classification use cases: reviews, the legal gate and evidence viewing, each in one
transaction with access decided by `tipline.access`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tipline import access
from tipline.audit.service import Actor, record
from tipline.classification import service
from tipline.classification.models import LegalAuthority, MediaFact
from tipline.classification.render import wellness_png
from tipline.db import Database
from tipline.errors import DomainError, Forbidden, Invalid
from tipline.evidence.service import read_evidence
from tipline.evidence.store import EvidenceStore
from tipline.hashing.errors import MediaError
from tipline.triage.service import request_retriage
from tipline.users.service import StaffUser


class NoSafeRendition(DomainError):
    """The file has no blurred rendition (not an image this service can render)."""

    code, http_status, kind = 4000, 415, "unsupported_media_type"


def classification(db: Database, user: StaffUser, file_id: str,
                   jurisdictions: list[str] | None) -> service.Classification:
    """Facts, effective facts and verdicts of a file the user may see (404 otherwise)."""
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        access.file(session, viewer, file_id)
        access.check_classification(viewer)
        return service.classify_file(session, file_id, jurisdictions)


def review(db: Database, user: StaffUser, actor: Actor, fields: dict[str, Any],
           **target: Any) -> MediaFact:
    """Record a reviewer's facts about a file or a whole cluster (`file_id=` or
    `cluster_id=`); `fields` are age_band, activity, nature and note."""
    with db.transaction() as session:
        viewer = access.staff_viewer(session, user)
        access.check_review(viewer)
        try:
            outcome = service.record_review(session, user, actor, **fields, **target)
        except ValueError as exc:  # a value outside the vocabulary (rules.check_fact)
            raise Invalid(str(exc)) from exc
        # A review can change a case's priority (e.g. an infant): its cases are re-triaged
        # on the work queue, after this commit (classification never calls triage).
        request_retriage(session, outcome.report_ids, "classification review")
        return outcome.fact


def gate(db: Database, user: StaffUser, file_id: str) -> service.GateDecision:
    """Whether the user may open a file it may see (404 otherwise), and why."""
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        file = access.file(session, viewer, file_id)
        access.check_classification(viewer)
        return service.can_open(session, user, file)


def record_jurisdiction_rule(db: Database, user: StaffUser, actor: Actor, code: str,
                             requires_authority: str, source: str) -> service.AuthorityRule:
    """An administrator records whether a jurisdiction requires legal authority before an
    unviewed file is opened, citing the source; it replaces the table's reading."""
    with db.transaction() as session:
        access.check_jurisdiction_rules(access.staff_viewer(session, user))
        return service.record_jurisdiction_rule(session, user, actor, code, requires_authority,
                                                source)


def record_authority(db: Database, user: StaffUser, actor: Actor, file_id: str,
                     reference: str, jurisdiction: str | None) -> LegalAuthority:
    """Legal authority to open a file, for the recorder's own jurisdiction only."""
    with db.transaction() as session:
        viewer = access.staff_viewer(session, user)
        access.file(session, viewer, file_id)
        code = access.authority_jurisdiction(viewer, jurisdiction)
        return service.record_authority(session, user, actor, file_id, reference, code)


def open_content(db: Database, evidence: EvidenceStore, user: StaffUser, actor: Actor,
                 file_id: str, view: str) -> Iterator[bytes]:
    """The file's content, for centre staff past the legal gate. A file the user may not
    know is a 404; one it may know but not open is a 403. The denial or the read is audited
    and committed before anything is answered."""
    with db.transaction() as session:
        viewer = access.staff_viewer(session, user)
        file = access.file(session, viewer, file_id)
        access.check_open_content(viewer)
        decision = service.can_open(session, user, file)
        if decision.allowed:
            return read_evidence(session, evidence, actor, file.sha256,
                                 purpose=f"staff view ({view}) of file {file_id}")
        record(session, actor, "file.open_denied", "file", file_id, reason=decision.reason)
    raise Forbidden(decision.reason)


def safe_rendition(chunks: Iterator[bytes]) -> bytes:
    """The blurred greyscale rendition served by default."""
    try:
        return wellness_png(b"".join(chunks))
    except MediaError as exc:
        raise NoSafeRendition(f"no blurred rendition of this file ({exc}); ask for "
                              "?view=original to see it as received") from exc
