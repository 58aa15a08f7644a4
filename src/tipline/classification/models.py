from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class MediaFact(Base):
    """What one source says a file or cluster shows, as facts (never as a legal verdict):
    age band, activity and the nature of the material. Verdicts per jurisdiction are derived."""

    __tablename__ = "media_facts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("media_clusters.id"), index=True)
    file_id: Mapped[str | None] = mapped_column(ForeignKey("report_files.id"), index=True)
    source: Mapped[str] = mapped_column(String(30))  # bank | reporter | analyst
    source_ref: Mapped[str] = mapped_column(String(200))  # entry id, report id, user
    age_band: Mapped[str] = mapped_column(String(20))  # infant|prepubescent|pubescent|adult|unknown
    activity: Mapped[str] = mapped_column(String(30))  # sexual_act|lascivious|other|unknown
    nature: Mapped[str] = mapped_column(String(20))  # real|drawn|generated|unknown
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class LegalAuthority(Base):
    """Legal authority recorded to open a file its reporter did not view (e.g. a warrant)."""

    __tablename__ = "legal_authorities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("report_files.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(2))
    reference: Mapped[str] = mapped_column(String(200))  # e.g. the warrant number
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class JurisdictionRule(Base):
    """An administrator's record of whether a jurisdiction requires legal authority before an
    unviewed file is opened, with its source. It overrides the shipped table; without it (and
    without a yes/no in the table) the gate stays closed."""

    __tablename__ = "jurisdiction_rules"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    unviewed_requires_authority: Mapped[str] = mapped_column(String(12))  # yes | no
    source: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
