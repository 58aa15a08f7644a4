from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class FileMatch(Base):
    """A reported file that matched a bank entry: which bank, which entry, how close, and which
    transform of the file (rotation, mirror, border stripped) matched. A match suppressed by a
    negative bank is kept, marked, so analysts can see why it was not acted on."""

    __tablename__ = "file_matches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("report_files.id"), index=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id"), index=True)
    signal_type: Mapped[str] = mapped_column(String(30))
    query_label: Mapped[str] = mapped_column(String(60))
    distance: Mapped[int] = mapped_column(Integer)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    suppressed_by: Mapped[str | None] = mapped_column(String(200))
    matched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("file_id", "entry_id"),)
