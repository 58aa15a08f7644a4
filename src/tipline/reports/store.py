"""Queries of the report domain.

The intake hot path (a complete report is six requests) uses statements built once at import
and executed with parameters: building a statement or flushing ORM objects costs more CPU than
the database spends running it, and intake throughput is bound by that CPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from tipline.db import table_of
from tipline.reports.models import RawDocument, Report, ReportFile

_REPORTS, _FILES = table_of(Report), table_of(ReportFile)
_INSERT_REPORT = insert(_REPORTS).returning(_REPORTS.c.id)
_INSERT_RAW = insert(table_of(RawDocument))
_INSERT_FILE = insert(_FILES)
_OWN_REPORT = (_REPORTS.c.id == bindparam("report_id")) & \
    (_REPORTS.c.reporter_id == bindparam("reporter_id"))
_STATUS = select(_REPORTS.c.status).where(_OWN_REPORT)
# The row lock serialises one report's uploads, descriptions, finish and retraction (on SQLite
# the write lock every transaction takes does the same).
_LOCK_STATUS = _STATUS.with_for_update()
_LOCK_FOR_FINISH = select(_REPORTS.c.status, _REPORTS.c.document).where(_OWN_REPORT) \
    .with_for_update()
_BY_KEY = select(_REPORTS.c.id, _REPORTS.c.document_digest).where(
    _REPORTS.c.reporter_id == bindparam("reporter_id"),
    _REPORTS.c.idempotency_key == bindparam("key"))
# UPDATEs set the columns named by the parameters; the WHERE parameters are prefixed so that
# their names are not taken for columns to set.
_UPDATE_REPORT = update(_REPORTS).where(_REPORTS.c.id == bindparam("where_id"))
_DESCRIBE_FILE = update(_FILES).where(_FILES.c.id == bindparam("where_id"),
                                      _FILES.c.report_id == bindparam("where_report_id"))
_FILE_DETAILS = select(_FILES.c.id, _FILES.c.details).where(
    _FILES.c.report_id == bindparam("report_id")).order_by(_FILES.c.uploaded_at, _FILES.c.id)


def insert_report(conn: Connection, values: dict[str, Any]) -> int:
    report_id: int = conn.execute(_INSERT_REPORT, values).scalar_one()
    return report_id


def insert_raw_document(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_INSERT_RAW, values)


def insert_file(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(_INSERT_FILE, values)


def submission_by_key(conn: Connection, reporter_id: int,
                      key: str) -> Row[Any, Any] | None:
    """(id, document_digest) of the reporter's report submitted with an idempotency key."""
    return conn.execute(
        _BY_KEY, {"reporter_id": reporter_id, "key": key}).first()


def lock_status(conn: Connection, reporter_id: int, report_id: int) -> str | None:
    """The status of the reporter's own report, its row locked until commit."""
    status: str | None = conn.execute(
        _LOCK_STATUS, {"reporter_id": reporter_id, "report_id": report_id}).scalar()
    return status


def lock_for_finish(conn: Connection, reporter_id: int,
                    report_id: int) -> Row[Any, Any] | None:
    """(status, document) of the reporter's own report, its row locked until commit."""
    return conn.execute(
        _LOCK_FOR_FINISH, {"reporter_id": reporter_id, "report_id": report_id}).first()


def update_report(conn: Connection, report_id: int, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE_REPORT, {"where_id": report_id, **values})


def describe_file(conn: Connection, report_id: int, file_id: str,
                  values: dict[str, Any]) -> bool:
    """Store a file's details; False when the report has no such file."""
    result = conn.execute(
        _DESCRIBE_FILE, {"where_report_id": report_id, "where_id": file_id, **values})
    return bool(result.rowcount)


def file_details(conn: Connection, report_id: int) -> list[Row[Any]]:
    """(id, details) of a report's files in upload order."""
    return list(conn.execute(_FILE_DETAILS, {"report_id": report_id}))


def report_of(session: Session, reporter_id: int, report_id: int) -> Report | None:
    return session.scalar(
        select(Report).where(Report.id == report_id, Report.reporter_id == reporter_id))


def files_of(session: Session, report_id: int) -> list[ReportFile]:
    stmt = select(ReportFile).where(ReportFile.report_id == report_id).order_by(
        ReportFile.uploaded_at, ReportFile.id)
    return list(session.scalars(stmt))


def reports_of(session: Session, reporter_id: int, limit: int, offset: int) -> list[Report]:
    stmt = (select(Report).where(Report.reporter_id == reporter_id)
            .order_by(Report.id.desc()).limit(limit).offset(offset))
    return list(session.scalars(stmt))


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Report.status, func.count()).group_by(Report.status))
    return {status: count for status, count in rows}


def status_of(conn: Connection, reporter_id: int, report_id: int) -> str | None:
    """Just the status of a reporter's own report (a cheap check before a slow upload)."""
    status: str | None = conn.execute(
        _STATUS, {"reporter_id": reporter_id, "report_id": report_id}).scalar()
    return status


def referenced_evidence(session: Session, addresses: Sequence[str]) -> set[str]:
    """Which evidence addresses (SHA-256) some report's file points to."""
    stmt = select(ReportFile.sha256).where(ReportFile.sha256.in_(addresses)).distinct()
    return set(session.scalars(stmt))


def raw_documents(session: Session, report_id: int) -> list[RawDocument]:
    """The documents of a report exactly as received (the report, then each fileDetails)."""
    return list(session.scalars(select(RawDocument).where(RawDocument.report_id == report_id)
                                .order_by(RawDocument.id)))
