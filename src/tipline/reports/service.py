"""Use cases of the report lifecycle: submit, attach and describe files, finish, retract.

Services never commit; the API request commits once, after which the report is acknowledged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from tipline.audit.service import Actor, Event, record, record_all
from tipline.db import Base, utcnow
from tipline.evidence.service import StoredEvidence, write_event
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import errors, store
from tipline.reports.models import RawDocument, Report, ReportFile
from tipline.reports.normalize import file_facts, parse_datetime, report_facts
from tipline.reports.quality import FileView, Quality, assess

Enqueue = Callable[[Connection, int], None]
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


def submit(conn: Connection, reporter: AuthenticatedReporter, doc: Document, source: str,
           idempotency_key: str | None, actor: Actor) -> tuple[int, bool]:
    """Open a report: its id, and whether it is new. With an idempotency key, a repeated
    submission returns the first report; the same key with a different document is refused."""
    digest = hashlib.sha256(doc.raw).hexdigest()
    key_length: int = getattr(Report.__table__.c.idempotency_key.type, "length", 200)
    if idempotency_key and len(idempotency_key) > key_length:
        raise errors.InvalidRequest(f"the Idempotency-Key header is longer than {key_length} "
                                    "characters", "header.idempotency-key")
    if idempotency_key:
        existing = store.submission_by_key(conn, reporter.id, idempotency_key)
        if existing:
            if existing.document_digest != digest:
                raise errors.IdempotencyConflict(
                    f"idempotency key {idempotency_key!r} was used for a different document")
            return existing.id, False
    facts = report_facts(doc.content)
    report_id = store.insert_report(conn, {
        "reporter_id": reporter.id, "source": source, "status": "open",
        "idempotency_key": idempotency_key, "document_digest": digest,
        "incident_type": facts.incident_type, "incident_at": facts.incident_at,
        "platform": fit(facts.platform, Report, "platform"), "escalate": facts.escalate,
        "annotations": facts.annotations, "document": doc.content, "quality_issues": [],
    })
    store.insert_raw_document(conn, {
        "report_id": report_id, "file_id": None, "kind": "report", "body": doc.raw,
        "content_type": fit(doc.content_type, RawDocument, "content_type") or ""})
    record(conn, actor, "report.submit", "report", report_id, source=source)
    return report_id, True


def get_report(session: Session, reporter_id: int, report_id: int) -> Report:
    """A reporter's own report; another reporter's report does not exist for it."""
    report = store.report_of(session, reporter_id, report_id) if in_range(report_id) else None
    if report is None:
        raise errors.ReportNotFound(f"report {report_id} does not exist")
    return report


def check_open(conn: Connection, reporter_id: int, report_id: int) -> None:
    """Refuse early (before a slow upload) unless the reporter's report is open; reads only
    the status, not the whole report."""
    status = store.status_of(conn, reporter_id, report_id) if in_range(report_id) else None
    require_open_status(report_id, status)


def lock_open(conn: Connection, reporter_id: int, report_id: int) -> None:
    """Lock the reporter's report until commit, refusing unless it is open."""
    status = store.lock_status(conn, reporter_id, report_id) if in_range(report_id) \
        else None
    require_open_status(report_id, status)


def in_range(report_id: int) -> bool:
    # An id outside BIGINT cannot exist (and SQLite cannot even bind it).
    return 0 < report_id <= MAX_ID


def require_open_status(report_id: int, status: str | None) -> None:
    if status is None:
        raise errors.ReportNotFound(f"report {report_id} does not exist")
    if status == "retracted":
        raise errors.AlreadyRetracted(f"report {report_id} was retracted; submit a new report")
    if status == "finished":
        raise errors.AlreadyFinished(f"report {report_id} is finished; submit a new report "
                                     "to add files")


def attach_file(conn: Connection, reporter_id: int, report_id: int, stored: StoredEvidence,
                upload_name: str | None, content_type: str | None, actor: Actor,
                new_file_id: Callable[[], str]) -> str:
    """Add a sealed upload to an open report; the new file's id."""
    lock_open(conn, reporter_id, report_id)
    file_id = new_file_id()
    store.insert_file(conn, {
        "id": file_id, "report_id": report_id,
        "upload_name": fit(upload_name, ReportFile, "upload_name"),
        "content_type": fit(content_type, ReportFile, "content_type"), "size": stored.size,
        "md5": stored.md5, "sha1": stored.sha1, "sha256": stored.sha256, "annotations": [],
    })
    record_all(conn, actor, [
        write_event(stored, file_id),
        Event("report.upload", "report", report_id, {"file_id": file_id})])
    return file_id


def describe_file(conn: Connection, reporter_id: int, report_id: int, file_id: str,
                  doc: Document, actor: Actor) -> None:
    lock_open(conn, reporter_id, report_id)
    facts = file_facts(doc.content)
    described = store.describe_file(conn, report_id, file_id, {
        "details": doc.content, "described_at": utcnow(),
        "file_name": fit(facts.file_name, ReportFile, "file_name"),
        "viewed_by_reporter": facts.viewed_by_reporter,
        "exif_viewed_by_reporter": facts.exif_viewed_by_reporter,
        "publicly_available": facts.publicly_available, "relevance": facts.relevance,
        "industry_classification": facts.industry_classification,
        "annotations": facts.annotations,
    })
    if not described:
        raise errors.FileNotFoundInReport(f"file {file_id} does not exist in report {report_id}")
    store.insert_raw_document(conn, {
        "report_id": report_id, "file_id": file_id, "kind": "fileDetails", "body": doc.raw,
        "content_type": fit(doc.content_type, RawDocument, "content_type") or ""})
    record(conn, actor, "report.fileinfo", "report", report_id, file_id=file_id)


def assess_report(report: Report, files: list[ReportFile]) -> Quality:
    return assess_content(report.document, [(f.id, f.details) for f in files])


def assess_content(document: dict[str, Any],
                   files: Sequence[tuple[str, dict[str, Any] | None]]) -> Quality:
    """Quality of a report's document and its files' details (None: never described)."""
    views = [
        FileView(
            file_id=file_id,
            described=details is not None,
            facts=file_facts(details) if details is not None else None,
            uploaded_to_reporter_at=parse_datetime((details or {}).get(
                "uploadedToEspTimestamp")),
        )
        for file_id, details in files
    ]
    return assess(report_facts(document), document, views, utcnow())


def finish(conn: Connection, reporter_id: int, report_id: int, actor: Actor,
           enqueue: Enqueue) -> tuple[Quality, list[str]]:
    """Close the report to changes, score its quality and queue it for processing; the
    quality and the report's file ids."""
    locked = store.lock_for_finish(conn, reporter_id, report_id) \
        if in_range(report_id) else None
    require_open_status(report_id, locked.status if locked else None)
    assert locked is not None
    files = [(row.id, row.details) for row in store.file_details(conn, report_id)]
    quality = assess_content(locked.document, files)
    store.update_report(conn, report_id, {
        "status": "finished", "finished_at": utcnow(), "quality_score": quality.score,
        "quality_issues": quality.as_json()["issues"]})
    enqueue(conn, report_id)
    record(conn, actor, "report.finish", "report", report_id,
           files=len(files), quality=quality.score)
    return quality, [file_id for file_id, _ in files]


def retract(conn: Connection, reporter_id: int, report_id: int, actor: Actor) -> None:
    lock_open(conn, reporter_id, report_id)
    store.update_report(conn, report_id, {"status": "retracted", "retracted_at": utcnow()})
    record(conn, actor, "report.retract", "report", report_id)
