"""Tables of the bank domain.

A hash is stored once (`BankSignal`) however many banks hold it; each bank's holding of it is a
`BankEntry`, and each source that contributed it to that bank is a `Provenance` row with its own
classification and jurisdictions, so disagreements between sources stay visible. The PDQ hashes
that go into the match index are `SignalVariant`s: the signal itself plus, for entries added from
media, hashes of rotated, mirrored and cropped copies. `IndexChange` is the log other processes
follow to keep their in-memory index current without a rebuild, by its commit-ordered `seq`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class Bank(Base):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="positive")  # positive | negative
    pdq_threshold: Mapped[int] = mapped_column(Integer, default=31)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The digest of the last file imported into this bank (with its format and mode) and its
    # record count, cleared by any other change to the bank's entries: importing that file
    # again finds nothing to do without reading it (`banks.service.import_rows`).
    import_digest: Mapped[str | None] = mapped_column(String(100))
    import_records: Mapped[int | None] = mapped_column(Integer)


class BankSignal(Base):
    __tablename__ = "bank_signals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    signal_type: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(4000))

    __table_args__ = (UniqueConstraint("signal_type", "value"),)


class BankEntry(Base):
    __tablename__ = "bank_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # No index of its own on bank_id: the unique (bank_id, signal_id) index serves it.
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    signal_id: Mapped[int] = mapped_column(ForeignKey("bank_signals.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("bank_id", "signal_id"),)


class Provenance(Base):
    __tablename__ = "bank_provenance"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id"))  # unique index leads
    contributor: Mapped[str] = mapped_column(String(200), default="")
    source_list: Mapped[str] = mapped_column(String(200), default="")
    contributed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    classifications: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    jurisdictions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    item: Mapped[str | None] = mapped_column(String(200))  # the source's key for one file
    content_type: Mapped[str | None] = mapped_column(String(20))  # image | video
    # A digest of what the source says (date, classification, jurisdictions, note, item, type),
    # so a re-import compares one column to find what changed (`banks.rules.fingerprint`).
    fingerprint: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("entry_id", "contributor", "source_list"),)


class SignalVariant(Base):
    """A PDQ hash in the match index; its id is the index id."""

    __tablename__ = "bank_signal_variants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("bank_signals.id"))  # unique index leads
    label: Mapped[str] = mapped_column(String(60))  # e.g. original:original, original:rot90
    value: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("signal_id", "label"),)


class IndexChange(Base):
    """Signals whose presence in the match index may have changed: the ids `signal_id` to
    `last_signal_id`, inclusive (a bulk import of new signals is one row, not one per signal).
    `seq` numbers the writing transaction, in commit order (`banks.changes`): followers read
    `seq > last seen`."""

    __tablename__ = "bank_index_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    signal_id: Mapped[int] = mapped_column(BigInteger)  # the first of the range
    last_signal_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_bank_index_changes_seq", "seq"),)
