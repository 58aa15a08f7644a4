"""Pipeline stages of the report domain. They are listed, in order, in `pipeline/stages.py`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tipline.audit.service import SYSTEM, record
from tipline.db import Database
from tipline.evidence.crypto import EvidenceIntegrityError
from tipline.evidence.store import EvidenceStore
from tipline.hashing.kinds import content_mismatch
from tipline.hashing.media import MediaHashes, hash_media
from tipline.reports import store
from tipline.reports.models import FileSignal, Identifier, IpEvent, Report
from tipline.reports.normalize import IdentifierFact, IpFact, file_facts, report_facts
from tipline.reports.service import fit


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
    # The schema sets no lengths, so long URLs or non-address "IPs" are cut to the columns'.
    for file_id, fact in rows:
        if isinstance(fact, IpFact):
            session.add(IpEvent(report_id=report_id, file_id=file_id, role=fact.role,
                                ip=fit(fact.ip, IpEvent, "ip") or "", event_name=fact.event_name,
                                at=fact.at, possible_proxy=fact.possible_proxy, port=fact.port))
        else:
            session.add(Identifier(report_id=report_id, file_id=file_id, role=fact.role,
                                   kind=fact.kind,
                                   value=fit(fact.value, Identifier, "value") or ""))


def hash_files(db: Database, evidence: EvidenceStore, report_id: int
                ) -> list[tuple[str, MediaHashes]]:
    """hashing (prepare): decrypt every file of the report once, check it against its SHA-256
    address (so corruption or tampering at rest is caught), and compute all its hashes. Runs
    outside any transaction; nothing is written."""
    with db.sessions() as session:
        files = [(f.id, f.sha256) for f in store.files_of(session, report_id)]
    results = []
    for file_id, address in files:
        media = hash_media(b"".join(evidence.open(address)))
        if media.crypto.sha256 != address:
            raise EvidenceIntegrityError(f"file {file_id}: content does not match {address}")
        results.append((file_id, media))
    return results


def record_hashes(session: Session, report_id: int,
                  hashed: list[tuple[str, MediaHashes]]) -> None:
    """hashing (apply): record computed hashes, the reporter's own hashes of the original file
    (and whether they agree), and what kind of media each file is; audit the evidence reads."""
    files = {f.id: f for f in store.files_of(session, report_id)}
    for file_id, media in hashed:
        reported = files[file_id]
        reported.media_kind, reported.media_error = media.kind, media.error
        reported.content_warning = (
            content_mismatch(media.head, reported.upload_name, reported.content_type)
            or content_mismatch(media.head, reported.file_name, None))
        for row in _signals(media):
            session.add(FileSignal(file_id=file_id, **row))
        claimed = file_facts(reported.details).original_hashes if reported.details else []
        for kind, value in dict.fromkeys(claimed):
            own = getattr(media.crypto, kind, None) if kind in CRYPTO else None
            session.add(FileSignal(file_id=file_id, signal_type=kind, value=value,
                                   source="reporter",
                                   detail={"matches_upload": None if own is None
                                           else own == value}))
        record(session, SYSTEM, "evidence.read", "evidence", media.crypto.sha256,
               purpose="hashing", report_id=report_id, file_id=file_id)


CRYPTO = ("md5", "sha1", "sha256")


def _signals(media: MediaHashes) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"signal_type": kind, "value": getattr(media.crypto, kind), "source": "computed",
         "detail": {}} for kind in CRYPTO]
    labels: dict[str, list[str]] = {}
    for label, value in media.pdq.items():  # symmetric images give equal hashes: one row each
        labels.setdefault(value, []).append(label)
    for value, names in labels.items():
        rows.append({"signal_type": "pdq", "value": value, "source": "computed",
                     "quality": media.quality, "detail": {"transforms": names}})
    if media.frames:
        rows.append({"signal_type": "vpdq", "value": media.vpdq_digest, "source": "computed",
                     "detail": {"frames": [[f.index, f.timestamp_s, f.hex, f.quality]
                                           for f in media.frames]}})
    return rows
