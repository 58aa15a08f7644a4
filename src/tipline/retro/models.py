"""Tables of retroactive matching: where the re-matching of history stands in the bank log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, UTCDateTime, utcnow


class RetroCursor(Base):
    """How far history has been re-matched against the bank index change log (`seq`), and
    what it did so far. The cursor moves in the transaction that records the re-matched
    results, so a crash re-runs the unfinished batch and never skips one."""

    __tablename__ = "retro_cursors"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Bank imports log only the hashes the PDQ index holds; entries of cryptographic hashes
    # are followed by their id instead.
    last_entry_id: Mapped[int] = mapped_column(BigInteger, default=0)
    signals: Mapped[int] = mapped_column(BigInteger, default=0)  # changed signals read
    files: Mapped[int] = mapped_column(BigInteger, default=0)  # files whose matches changed
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
