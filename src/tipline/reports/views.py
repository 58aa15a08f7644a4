"""Read models of reports for the APIs and the CLI."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.pipeline.models import PipelineJob, StageRun
from tipline.reports import store
from tipline.reports.models import Report
from tipline.reports.schemas import (
    FileStatusOut,
    PipelineOut,
    QualityIssueOut,
    QualityOut,
    ReportStatusOut,
)
from tipline.reports.service import assess_report


def pipeline_of(session: Session, report_id: int) -> PipelineOut | None:
    job = session.get(PipelineJob, report_id)
    if job is None:
        return None
    done = session.scalars(select(StageRun.stage).where(StageRun.report_id == report_id)
                           .order_by(StageRun.id))
    return PipelineOut(status=job.status, next_stage=job.stage or None, stages_done=list(done),
                       attempts=job.attempts, last_error=job.last_error)


def report_status(session: Session, report: Report) -> ReportStatusOut:
    files = store.files_of(session, report.id)
    if report.status == "finished":
        quality = QualityOut(score=report.quality_score or 0,
                             issues=[QualityIssueOut(**i) for i in report.quality_issues])
    else:  # an open report shows what it lacks so far
        live = assess_report(report, files).as_json()
        quality = QualityOut(score=live["score"],
                             issues=[QualityIssueOut(**i) for i in live["issues"]])
    return ReportStatusOut(
        report_id=report.id, status=report.status, source=report.source,
        incident_type=report.incident_type, created_at=report.created_at,
        finished_at=report.finished_at, retracted_at=report.retracted_at,
        files=[FileStatusOut(file_id=f.id, size=f.size, md5=f.md5, sha256=f.sha256,
                             described=f.details is not None) for f in files],
        quality=quality, pipeline=pipeline_of(session, report.id),
    )
