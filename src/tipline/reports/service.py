"""Use cases of the report lifecycle: submit, attach and describe files, finish, retract.

Services never commit; the API request commits once, after which the report is acknowledged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.db import Base, utcnow
from tipline.evidence.service import StoredEvidence, audit_write
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import errors, store
from tipline.reports.models import RawDocument, Report, ReportFile
from tipline.reports.normalize import file_facts, parse_datetime, report_facts
from tipline.reports.quality import FileView, Quality, assess

Enqueue = Callable[[Session, int], None]
MAX_ID = 2**63 - 1


def fit(value: str | None, model: type[Base], column: str) -> str | None:
    """A value copied into a column for queries, cut to the column's length: the schema sets no
    lengths and PostgreSQL refuses longer values (SQLite keeps them). The stored document has
    the whole value."""
    length = getattr(model.__table__.c[column].type, "length", None)
    return value[:length] if value is not None and length else value


@dataclass(frozen=True)
class Document:
    """A validated document as the reporter sent it, and its JSON-shaped content."""

    content: dict[str, Any]
    raw: bytes
    content_type: str


def submit(session: Session, reporter: AuthenticatedReporter, doc: Document, source: str,
           idempotency_key: str | None, actor: Actor) -> tuple[Report, bool]:
    """Open a report. With an idempotency key, a repeated submission returns the first report;
    the same key with a different document is refused."""
    digest = hashlib.sha256(doc.raw).hexdigest()
    key_length: int = getattr(Report.__table__.c.idempotency_key.type, "length", 200)
    if idempotency_key and len(idempotency_key) > key_length:
        raise errors.InvalidRequest(f"the Idempotency-Key header is longer than {key_length} "
                                    "characters")
    if idempotency_key:
        existing = store.by_idempotency_key(session, reporter.id, idempotency_key)
        if existing:
            if existing.document_digest != digest:
                raise errors.IdempotencyConflict(
                    f"idempotency key {idempotency_key!r} was used for a different document")
            return existing, False
    facts = report_facts(doc.content)
    report = Report(
        reporter_id=reporter.id, source=source, status="open", idempotency_key=idempotency_key,
        document_digest=digest, incident_type=facts.incident_type, incident_at=facts.incident_at,
        platform=fit(facts.platform, Report, "platform"), escalate=facts.escalate,
        annotations=facts.annotations, document=doc.content, quality_issues=[],
    )
    session.add(report)
    session.flush()
    session.add(RawDocument(report_id=report.id, kind="report", body=doc.raw,
                            content_type=fit(doc.content_type, RawDocument, "content_type")
                            or ""))
    record(session, actor, "report.submit", "report", report.id, source=source)
    return report, True


def get_report(session: Session, reporter_id: int, report_id: int,
               for_update: bool = False) -> Report:
    """A reporter's own report; another reporter's report does not exist for it."""
    # An id outside BIGINT cannot exist (and SQLite cannot even bind it).
    in_range = 0 < report_id <= MAX_ID
    report = store.report_of(session, reporter_id, report_id, for_update=for_update) \
        if in_range else None
    if report is None:
        raise errors.ReportNotFound(f"report {report_id} does not exist")
    return report


def require_open(report: Report) -> None:
    require_open_status(report.id, report.status)


def check_open(session: Session, reporter_id: int, report_id: int) -> None:
    """Refuse early (before a slow upload) unless the reporter's report is open; reads only
    the status, not the whole report."""
    in_range = 0 < report_id <= MAX_ID
    status = store.status_of(session, reporter_id, report_id) if in_range else None
    require_open_status(report_id, status)


def require_open_status(report_id: int, status: str | None) -> None:
    if status is None:
        raise errors.ReportNotFound(f"report {report_id} does not exist")
    if status == "retracted":
        raise errors.AlreadyRetracted(f"report {report_id} was retracted; submit a new report")
    if status == "finished":
        raise errors.AlreadyFinished(f"report {report_id} is finished; submit a new report "
                                     "to add files")


def attach_file(session: Session, report: Report, stored: StoredEvidence,
                upload_name: str | None, content_type: str | None, actor: Actor,
                new_file_id: Callable[[], str]) -> ReportFile:
    require_open(report)
    reported = ReportFile(
        id=new_file_id(), report_id=report.id,
        upload_name=fit(upload_name, ReportFile, "upload_name"),
        content_type=fit(content_type, ReportFile, "content_type"), size=stored.size,
        md5=stored.md5, sha1=stored.sha1, sha256=stored.sha256, annotations=[],
    )
    session.add(reported)
    audit_write(session, actor, stored, reported.id)
    record(session, actor, "report.upload", "report", report.id, file_id=reported.id)
    return reported


def describe_file(session: Session, report: Report, file_id: str, doc: Document,
                  actor: Actor) -> ReportFile:
    require_open(report)
    reported = store.file_of(session, report.id, file_id)
    if reported is None:
        raise errors.FileNotFoundInReport(f"file {file_id} does not exist in report {report.id}")
    facts = file_facts(doc.content)
    reported.details = doc.content
    reported.described_at = utcnow()
    reported.file_name = fit(facts.file_name, ReportFile, "file_name")
    reported.viewed_by_reporter = facts.viewed_by_reporter
    reported.exif_viewed_by_reporter = facts.exif_viewed_by_reporter
    reported.publicly_available = facts.publicly_available
    reported.relevance = facts.relevance
    reported.industry_classification = facts.industry_classification
    reported.annotations = facts.annotations
    session.add(RawDocument(report_id=report.id, file_id=file_id, kind="fileDetails",
                            content_type=fit(doc.content_type, RawDocument, "content_type")
                            or "", body=doc.raw))
    record(session, actor, "report.fileinfo", "report", report.id, file_id=file_id)
    return reported


def assess_report(report: Report, files: list[ReportFile]) -> Quality:
    views = [
        FileView(
            file_id=f.id,
            described=f.details is not None,
            facts=file_facts(f.details) if f.details is not None else None,
            uploaded_to_reporter_at=parse_datetime((f.details or {}).get(
                "uploadedToEspTimestamp")),
        )
        for f in files
    ]
    return assess(report_facts(report.document), report.document, views, utcnow())


def finish(session: Session, report: Report, actor: Actor,
           enqueue: Enqueue) -> tuple[Quality, list[ReportFile]]:
    """Close the report to changes, score its quality and queue it for processing."""
    require_open(report)
    files = store.files_of(session, report.id)
    quality = assess_report(report, files)
    report.status = "finished"
    report.finished_at = utcnow()
    report.quality_score = quality.score
    report.quality_issues = quality.as_json()["issues"]
    enqueue(session, report.id)
    record(session, actor, "report.finish", "report", report.id,
           files=len(files), quality=quality.score)
    return quality, files


def retract(session: Session, report: Report, actor: Actor) -> None:
    require_open(report)
    report.status = "retracted"
    report.retracted_at = utcnow()
    record(session, actor, "report.retract", "report", report.id)
