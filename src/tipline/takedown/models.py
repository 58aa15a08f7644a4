"""Tables of notice and takedown: URLs, where each was seen, reports from the public, the
provider and hotline registries, notices (a leased queue) and each URL's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class TakedownUrl(Base):
    """One normalised URL, however many reports named it."""

    __tablename__ = "takedown_urls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of `url`
    host: Mapped[str] = mapped_column(String(255), index=True)
    # Why it is never contacted (a private address, an odd IP notation...); None: it may be.
    refusal: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # new | not_illegal | illegal | held | noticed | removed
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    assessment: Mapped[str | None] = mapped_column(String(20))  # baseline | national | not_illegal
    assessed_by: Mapped[str | None] = mapped_column(String(100))
    jurisdiction: Mapped[str | None] = mapped_column(String(2))
    addresses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    country: Mapped[str | None] = mapped_column(String(2))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("takedown_providers.id"))
    located_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    noticed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    notice_channel: Mapped[str | None] = mapped_column(String(20))
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_check_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    next_notice_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    down_streak: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer, default=0)  # escalation step reached
    last_seen_status: Mapped[str | None] = mapped_column(String(40))


class UrlSighting(Base):
    """Where a URL was named: a report's identifier, or a report from the public."""

    __tablename__ = "takedown_sightings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    url_id: Mapped[int] = mapped_column(ForeignKey("takedown_urls.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    identifier_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_identifiers.id"), unique=True)
    public_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("takedown_public_reports.id"), index=True)
    given: Mapped[str] = mapped_column(Text)  # as the reporter wrote it (credentials removed)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublicReport(Base):
    """A report from the public form: anonymous unless a contact is given."""

    __tablename__ = "takedown_public_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    receipt: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str | None] = mapped_column(String(200))
    sender: Mapped[str] = mapped_column(String(64))  # keyed hash of the address (rate limit)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_takedown_public_reports_sender", "sender", "created_at"),)


class Provider(Base):
    """A hosting provider (or upstream, registrar) in the administrator's registry."""

    __tablename__ = "takedown_providers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    ranges: Mapped[list[Any]] = mapped_column(JSON, default=list)  # CIDR blocks
    domains: Mapped[list[Any]] = mapped_column(JSON, default=list)
    channel: Mapped[str] = mapped_column(String(20), default="email")  # email | webhook
    contact: Mapped[str] = mapped_column(String(500))  # abuse address or webhook URL
    upstream_id: Mapped[int | None] = mapped_column(ForeignKey("takedown_providers.id"))


class Hotline(Base):
    """The hotline of a country (one per country), to which notices for hosts there go."""

    __tablename__ = "takedown_hotlines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(String(2), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20), default="email")
    contact: Mapped[str] = mapped_column(String(500))


class Notice(Base):
    """One notice to one party, sent through the leased queue (retried with backoff)."""

    __tablename__ = "takedown_notices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    url_id: Mapped[int] = mapped_column(ForeignKey("takedown_urls.id"), index=True)
    party: Mapped[str] = mapped_column(String(20))  # provider | upstream | hotline | police
    recipient: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class UrlEvent(Base):
    """A URL's history: seen, assessed, located, noticed, checked, escalated, removed."""

    __tablename__ = "takedown_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    url_id: Mapped[int] = mapped_column(ForeignKey("takedown_urls.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100), default="tipline")


Index("ix_takedown_notices_due", Notice.status, Notice.available_at)
