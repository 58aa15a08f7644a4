"""The table of the generic work queue: later work, queued rather than called."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow

PENDING = "queued"


class WorkItem(Base):
    """One piece of work for the handler of its queue name, identified within the queue by
    its key. At most one item per (queue, key) is pending: asking again for pending work only
    notes the time (`requested_at`), so work asked for while it runs is run once more."""

    __tablename__ = "work_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    queue: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)  # queued | done | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_work_items_status_available", "status", "available_at"),
        Index("uq_work_items_pending", "queue", "key", unique=True,
              sqlite_where=text(f"status = '{PENDING}'"),
              postgresql_where=text(f"status = '{PENDING}'")),
    )
