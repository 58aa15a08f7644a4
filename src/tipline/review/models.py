"""Reveals of originals, supervisors' budget overrides and reviewers' preferences."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class MediaReveal(Base):
    """One reveal of a file's original to one reviewer, from its opening to its end (the
    reviewer re-blurred it, moved on, left the page, or it reached its limit). The audit log
    holds the same facts (`media.reveal`, `media.reveal_end`); this row is what the exposure
    budget and the original's guard read."""

    __tablename__ = "media_reveals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    file_id: Mapped[str] = mapped_column(ForeignKey("report_files.id"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    limit_seconds: Mapped[float] = mapped_column(Float)  # the cap, or the budget left if less
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column(Float)  # how long it lasted, at most the limit
    closed_by: Mapped[str | None] = mapped_column(String(20))  # reblur | next | leave | limit
    # True while open, NULL once closed: unique per user, so a reviewer has at most one open
    # reveal (NULLs never collide, on SQLite and PostgreSQL alike).
    open_slot: Mapped[bool | None] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("user_id", "open_slot"),
                      Index("ix_media_reveals_user_opened", "user_id", "opened_at"))


class ExposureOverride(Base):
    """A supervisor's grant of more revealed seconds to one reviewer for one (UTC) day."""

    __tablename__ = "exposure_overrides"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    extra_seconds: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_exposure_overrides_user_day", "user_id", "day"),)


class ReviewerPreference(Base):
    """A reviewer's own wellness settings, within the organisation's limits (NULL: the
    organisation's default)."""

    __tablename__ = "reviewer_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    blur_level: Mapped[int | None] = mapped_column(Integer)
    budget_seconds: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewLease(Base):
    """Who is reviewing a media cluster now: taken when a reviewer opens it or takes it from
    the queue, renewed by every act of theirs on it, gone when they classify it, leave it or
    log out, void once `lease_until` passes. Two reviewers never hold one cluster at once
    (the primary key), so nobody is exposed to material a colleague is already reviewing."""

    __tablename__ = "review_leases"

    cluster_id: Mapped[int] = mapped_column(BigId, ForeignKey("media_clusters.id"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
