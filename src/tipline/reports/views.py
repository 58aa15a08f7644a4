"""Read models of reports for the APIs and the CLI."""

from __future__ import annotations

from sqlalchemy.orm import Session

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


def report_status(session: Session, report: Report, pipeline: PipelineOut | None
                  ) -> ReportStatusOut:
    """The report as its reporter sees it; `pipeline` is where it stands in the pipeline
    (read by the caller: the pipeline sits above intake)."""
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
                             described=f.details is not None, media_kind=f.media_kind,
                             media_error=f.media_error, content_warning=f.content_warning)
               for f in files],
        quality=quality, pipeline=pipeline,
    )
