"""Tables of the report domain.

A report keeps what the reporter sent verbatim (`RawDocument`), the whole content in the JSON
shape of the CyberTipline schema (`Report.document`, `ReportFile.details`), and the fields later
stages query as columns and rows: identifiers (accounts, emails, phones, devices, URLs) and IP
capture events for linking reports into cases and routing them, hashes for matching.
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("reporters.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # ncmec_xml | json
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|finished|retracted
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    document_digest: Mapped[str] = mapped_column(String(64))
    incident_type: Mapped[str] = mapped_column(String(100))
    incident_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    platform: Mapped[str | None] = mapped_column(String(200))
    escalate: Mapped[bool] = mapped_column(Boolean, default=False)
    annotations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    quality_score: Mapped[int | None] = mapped_column(Integer)
    quality_issues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retracted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("reporter_id", "idempotency_key"),)


class RawDocument(Base):
    """Exactly the bytes the reporter sent, for evidence and for anything not normalised."""

    __tablename__ = "raw_documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    file_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # report | fileDetails
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportFile(Base):
    __tablename__ = "report_files"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the fileId
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    upload_name: Mapped[str | None] = mapped_column(String(500))
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    sha1: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    described_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    file_name: Mapped[str | None] = mapped_column(String(500))
    viewed_by_reporter: Mapped[bool | None] = mapped_column(Boolean)
    exif_viewed_by_reporter: Mapped[bool | None] = mapped_column(Boolean)
    publicly_available: Mapped[bool | None] = mapped_column(Boolean)
    relevance: Mapped[str | None] = mapped_column(String(50))
    industry_classification: Mapped[str | None] = mapped_column(String(5))
    annotations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    media_kind: Mapped[str | None] = mapped_column(String(20))  # image | video | other
    media_error: Mapped[str | None] = mapped_column(Text)  # why it could not be decoded
    # The content is not what the file's name or declared type says (shown to the reporter).
    content_warning: Mapped[str | None] = mapped_column(Text)


class Identifier(Base):
    """A normalised identifier found in a report: the keys cases are linked by."""

    __tablename__ = "report_identifiers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    file_id: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(30))  # reported | recipient | victim | incident
    kind: Mapped[str] = mapped_column(String(30))  # account | email | phone | device | url ...
    value: Mapped[str] = mapped_column(String(1000))

    __table_args__ = (Index("ix_report_identifiers_kind_value", "kind", "value"),)


class IpEvent(Base):
    """An IP capture event: the lead whose retention window decides whether a child is found."""

    __tablename__ = "ip_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    file_id: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(30))
    ip: Mapped[str] = mapped_column(String(64), index=True)
    event_name: Mapped[str | None] = mapped_column(String(30))
    at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    possible_proxy: Mapped[bool | None] = mapped_column(Boolean)
    port: Mapped[int | None] = mapped_column(Integer)


class FileSignal(Base):
    """A hash of a file: computed by tipline or claimed by the reporter (`source`)."""

    __tablename__ = "file_signals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("report_files.id"), index=True)
    signal_type: Mapped[str] = mapped_column(String(30))  # md5 | sha1 | sha256 | pdq | ...
    value: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # computed | reporter
    quality: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("file_id", "signal_type", "source", "value"),
        Index("ix_file_signals_type_value", "signal_type", "value"),
    )
