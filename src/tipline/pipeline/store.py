"""Queries of the pipeline's own tables: where a report stands in it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.pipeline.models import PipelineJob, StageRun


@dataclass(frozen=True)
class Progress:
    status: str
    next_stage: str | None
    stages_done: list[str]
    attempts: int
    last_error: str | None


def progress(session: Session, report_id: int) -> Progress | None:
    """The report's job and the stages it has passed, or None before it is finished."""
    job = session.get(PipelineJob, report_id)
    if job is None:
        return None
    done = session.scalars(select(StageRun.stage).where(StageRun.report_id == report_id)
                           .order_by(StageRun.id))
    return Progress(job.status, job.stage or None, list(done), job.attempts, job.last_error)
