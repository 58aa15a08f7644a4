"""Tables of deconfliction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class Watch(Base):
    """An identifier of an agency's active investigation, for deconfliction."""

    __tablename__ = "deconfliction_watches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # account | email | phone | hash | ip
    value: Mapped[str] = mapped_column(String(500), index=True)
    reference: Mapped[str] = mapped_column(String(200), default="")  # the agency's case ref
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WatchHit(Base):
    """A case touching a watch, and the agencies told about it (each once)."""

    __tablename__ = "deconfliction_hits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("deconfliction_watches.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    notified: Mapped[list[Any]] = mapped_column(JSON, default=list)  # agency codes told
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
