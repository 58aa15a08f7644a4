from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class PipelineJob(Base):
    """A finished report's progress through the stages: durable, so a crash resumes here."""

    __tablename__ = "pipeline_jobs"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(50))  # the next stage to run, or "" when done
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_pipeline_jobs_status_available", "status", "available_at"),)


class StageRun(Base):
    """One completed stage of one report. The unique key makes a second completion of the same
    stage fail its transaction, so no stage's effects can be committed twice."""

    __tablename__ = "pipeline_stage_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    stage: Mapped[str] = mapped_column(String(50))
    worker: Mapped[str] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("report_id", "stage"),)
