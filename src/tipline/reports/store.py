from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tipline.reports.models import Report, ReportFile


def report_of(session: Session, reporter_id: int, report_id: int,
              for_update: bool = False) -> Report | None:
    stmt = select(Report).where(Report.id == report_id, Report.reporter_id == reporter_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def by_idempotency_key(session: Session, reporter_id: int, key: str) -> Report | None:
    return session.scalar(
        select(Report).where(Report.reporter_id == reporter_id, Report.idempotency_key == key)
    )


def files_of(session: Session, report_id: int) -> list[ReportFile]:
    stmt = select(ReportFile).where(ReportFile.report_id == report_id).order_by(
        ReportFile.uploaded_at, ReportFile.id)
    return list(session.scalars(stmt))


def file_of(session: Session, report_id: int, file_id: str) -> ReportFile | None:
    return session.scalar(
        select(ReportFile).where(ReportFile.report_id == report_id, ReportFile.id == file_id)
    )


def reports_of(session: Session, reporter_id: int, limit: int, offset: int) -> list[Report]:
    stmt = (select(Report).where(Report.reporter_id == reporter_id)
            .order_by(Report.id.desc()).limit(limit).offset(offset))
    return list(session.scalars(stmt))


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Report.status, func.count()).group_by(Report.status))
    return {status: count for status, count in rows}


def status_of(session: Session, reporter_id: int, report_id: int) -> str | None:
    """Just the status of a reporter's own report (a cheap check before a slow upload)."""
    return session.scalar(select(Report.status).where(Report.id == report_id,
                                                      Report.reporter_id == reporter_id))
