"""Pipeline stages of the report domain. They are listed, in order, in `pipeline/stages.py`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.audit.service import SYSTEM, record
from tipline.db import Database
from tipline.evidence.crypto import EvidenceIntegrityError
from tipline.evidence.store import EvidenceStore
from tipline.reports import store
from tipline.reports.models import FileSignal, Identifier, IpEvent, Report
from tipline.reports.normalize import IdentifierFact, IpFact, file_facts, report_facts


def record_facts(session: Session, report_id: int, _prepared: object) -> None:
    """intake: write the identifiers and IP capture events of the report and of its files as
    rows, the keys that linking into cases and routing query."""
    report = session.get(Report, report_id)
    assert report is not None
    facts = report_facts(report.document)
    rows: list[tuple[str | None, IdentifierFact | IpFact]] = [
        *((None, f) for f in facts.identifiers), *((None, e) for e in facts.ip_events)]
    for reported in store.files_of(session, report_id):
        if reported.details is not None:
            per_file = file_facts(reported.details)
            rows += [(reported.id, f) for f in per_file.identifiers]
            rows += [(reported.id, e) for e in per_file.ip_events]
    for file_id, fact in rows:
        if isinstance(fact, IpFact):
            session.add(IpEvent(report_id=report_id, file_id=file_id, role=fact.role,
                                ip=fact.ip, event_name=fact.event_name, at=fact.at,
                                possible_proxy=fact.possible_proxy, port=fact.port))
        else:
            session.add(Identifier(report_id=report_id, file_id=file_id, role=fact.role,
                                   kind=fact.kind, value=fact.value))


@dataclass(frozen=True)
class VerifiedFile:
    file_id: str
    md5: str
    sha1: str
    sha256: str


def verify_files(db: Database, evidence: EvidenceStore, report_id: int) -> list[VerifiedFile]:
    """crypto_hashes (prepare): decrypt every file of the report and hash what comes out. This
    proves end to end that the stored evidence is intact; it runs outside a transaction."""
    with db.sessions() as session:
        files = [(f.id, f.sha256) for f in store.files_of(session, report_id)]
    verified = []
    for file_id, address in files:
        md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
        for chunk in evidence.open(address):
            for digest in (md5, sha1, sha256):
                digest.update(chunk)
        if sha256.hexdigest() != address:
            raise EvidenceIntegrityError(f"file {file_id}: content does not match {address}")
        verified.append(VerifiedFile(file_id, md5.hexdigest(), sha1.hexdigest(), address))
    return verified


def record_signals(session: Session, report_id: int, verified: list[VerifiedFile]) -> None:
    """crypto_hashes (apply): record the computed hashes, and the reporter's own hashes of the
    original file, as signals for matching; audit the evidence reads."""
    details = {f.id: f.details for f in store.files_of(session, report_id)}
    for item in verified:
        for kind in ("md5", "sha1", "sha256"):
            session.add(FileSignal(file_id=item.file_id, signal_type=kind,
                                   value=getattr(item, kind), source="computed", detail={}))
        own = details.get(item.file_id)
        claimed = file_facts(own).original_hashes if own else []
        for kind, value in dict.fromkeys(claimed):
            agrees = getattr(item, kind, None) == value if kind in ("md5", "sha1", "sha256") \
                else None
            session.add(FileSignal(file_id=item.file_id, signal_type=kind, value=value,
                                   source="reporter", detail={"matches_upload": agrees}))
        record(session, SYSTEM, "evidence.read", "evidence", item.sha256,
               purpose="hash verification", report_id=report_id, file_id=item.file_id)
