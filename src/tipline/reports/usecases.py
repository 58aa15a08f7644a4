"""The report use cases as transactions, shared by both intake APIs (XML and JSON).

Each function here owns one unit of work: it opens the transaction, calls the service, and
commits once; only after that commit does the API acknowledge. Slow work (spooling and sealing
an upload) happens before the transaction so the database is not held during it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tipline import access
from tipline.audit.service import Actor, record
from tipline.cases.models import CaseReport
from tipline.db import Database
from tipline.evidence.service import EvidenceTooLarge, StoredEvidence, store_upload
from tipline.pipeline import store as pipeline_store
from tipline.reporters.models import Reporter
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import errors, service, store
from tipline.reports.models import Report, ReportFile
from tipline.reports.quality import Quality
from tipline.reports.schemas import PipelineOut, ReportStatusOut
from tipline.reports.service import Document
from tipline.reports.views import report_status
from tipline.state import AppState
from tipline.users.service import StaffUser


@dataclass(frozen=True)
class Submitted:
    report_id: int
    created: bool


@dataclass(frozen=True)
class Uploaded:
    report_id: int
    file_id: str
    evidence: StoredEvidence


@dataclass(frozen=True)
class Finished:
    report_id: int
    file_ids: list[str]
    quality: Quality


def submit(state: AppState, reporter: AuthenticatedReporter, doc: Document, source: str,
           key: str | None, actor: Actor) -> Submitted:
    try:
        with state.db.core_transaction() as conn:
            return Submitted(*service.submit(conn, reporter, doc, source, key, actor))
    except IntegrityError:
        if not key:
            raise
        # Two submissions with one idempotency key raced; the other one committed first.
        with state.db.core_transaction() as conn:
            return Submitted(*service.submit(conn, reporter, doc, source, key, actor))


def upload(state: AppState, reporter: AuthenticatedReporter, report_id: int, source: BinaryIO,
           upload_name: str | None, content_type: str | None, actor: Actor) -> Uploaded:
    with state.db.single_reads() as conn:
        service.check_open(conn, reporter.id, report_id)
    # Refused before it is stored: sealing it first would leave an evidence file behind.
    if not source.read(1):
        raise errors.MalformedFile("the uploaded file is empty")
    source.seek(0)
    try:
        stored = store_upload(state.evidence, source, state.settings.max_upload_bytes)
    except EvidenceTooLarge as exc:
        raise errors.PayloadTooLarge(str(exc)) from exc
    with state.db.core_transaction() as conn:
        file_id = service.attach_file(conn, reporter.id, report_id, stored, upload_name,
                                      content_type, actor, state.new_file_id)
        return Uploaded(report_id, file_id, stored)


def describe(state: AppState, reporter: AuthenticatedReporter, report_id: int, file_id: str,
             doc: Document, actor: Actor) -> None:
    with state.db.core_transaction() as conn:
        service.describe_file(conn, reporter.id, report_id, file_id, doc, actor)


def finish(state: AppState, reporter: AuthenticatedReporter, report_id: int,
           actor: Actor) -> Finished:
    with state.db.core_transaction() as conn:
        quality, file_ids = service.finish(conn, reporter.id, report_id, actor,
                                           state.runner.enqueue)
        result = Finished(report_id, file_ids, quality)
    state.runner.wake()
    return result


def statuses(state: AppState, reporter: AuthenticatedReporter, limit: int,
             offset: int) -> list[ReportStatusOut]:
    """The reporter's own reports (no other's), newest first."""
    with state.db.sessions() as session:
        return _statuses(session, reporter.id, limit, offset)


def status(state: AppState, reporter: AuthenticatedReporter, report_id: int) -> ReportStatusOut:
    """One of the reporter's own reports; another's is not found."""
    with state.db.sessions() as session:
        return _status(session, reporter.id, report_id)


def portal_statuses(db: Database, user: StaffUser, limit: int,
                    offset: int) -> list[ReportStatusOut]:
    """The reporter portal: the reports of a reporter user's own organisation, newest first
    (the same read model as the reporter API's)."""
    with db.sessions() as session:
        reporter_id = access.own_reporter(access.staff_viewer(session, user))
        return _statuses(session, reporter_id, limit, offset)


def portal_status(db: Database, user: StaffUser, report_id: int) -> ReportStatusOut:
    """One report of a reporter user's organisation; another organisation's is not found."""
    with db.sessions() as session:
        reporter_id = access.own_reporter(access.staff_viewer(session, user))
        return _status(session, reporter_id, report_id)


def _statuses(session: Session, reporter_id: int, limit: int,
              offset: int) -> list[ReportStatusOut]:
    return [report_status(session, r, _pipeline(session, r.id))
            for r in store.reports_of(session, reporter_id, limit, offset)]


def _status(session: Session, reporter_id: int, report_id: int) -> ReportStatusOut:
    report = service.get_report(session, reporter_id, report_id)
    return report_status(session, report, _pipeline(session, report.id))


def _pipeline(session: Session, report_id: int) -> PipelineOut | None:
    found = pipeline_store.progress(session, report_id)
    return PipelineOut(**asdict(found)) if found else None


def retract(state: AppState, reporter: AuthenticatedReporter, report_id: int,
            actor: Actor) -> None:
    with state.db.core_transaction() as conn:
        service.retract(conn, reporter.id, report_id, actor)


@dataclass(frozen=True)
class StaffReport:
    """A report as the centre's staff read it: everything the reporter sent."""

    report: Report
    reporter: str
    status: ReportStatusOut  # quality findings and where it stands in the pipeline
    files: list[ReportFile]  # with each file's decoding error, if any
    documents: list[tuple[str, str, str]]  # (kind, content type, text) exactly as received
    case_id: int | None


def staff_report(db: Database, user: StaffUser, actor: Actor, report_id: int) -> StaffReport:
    """A report the user may see (404 otherwise), with its documents as received; the view
    is audited."""
    with db.transaction() as session:
        report = access.report(session, access.staff_viewer(session, user), report_id)
        reporter = session.get(Reporter, report.reporter_id)
        documents = [(raw.kind, raw.content_type, raw.body.decode("utf-8", "replace"))
                     for raw in store.raw_documents(session, report.id)]
        record(session, actor, "report.view", "report", report.id)
        return StaffReport(report, reporter.name if reporter else "", report_status(
            session, report, _pipeline(session, report.id)), store.files_of(session, report.id),
            documents, session.scalar(select(CaseReport.case_id).where(
                CaseReport.report_id == report.id)))
