"""Tables of outcomes: what an agency did with a case or one of its reports, and where a
reporter organisation wants its outcomes sent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class Outcome(Base):
    """One outcome, as an agency recorded it. Append-only: a later outcome supersedes an
    earlier one in what is shown, but both stay (the history is the feedback)."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(40))
    vocabulary_version: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    held_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    via: Mapped[str] = mapped_column(String(20))  # api | inbox | package
    reference: Mapped[str | None] = mapped_column(String(100))  # the agency's key: idempotent
    recorded_by: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("agency_id", "reference"),
                      Index("ix_outcomes_held_until", "held_until"))


class ReporterWebhook(Base):
    """Where a reporter organisation receives its outcomes, signed with its own secret."""

    __tablename__ = "reporter_webhooks"

    reporter_id: Mapped[int] = mapped_column(ForeignKey("reporters.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
