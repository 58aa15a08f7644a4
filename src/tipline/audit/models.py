from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class AuditEvent(Base):
    """One audited action. The application only ever inserts rows (a database trigger refuses
    UPDATE and DELETE; on PostgreSQL the application's role may be granted only INSERT and
    SELECT), and each row is chained to the one before it (`audit/chain.py`), so a change made
    around tipline shows in `tipline audit verify`."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigId, primary_key=True, autoincrement=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(200))
    remote_addr: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The chain hash of the row before (all zeros for the first) and of this row.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    chain_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)
