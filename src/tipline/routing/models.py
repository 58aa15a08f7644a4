from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class Agency(Base):
    """A receiving agency: the countries it serves, its channel and how it takes delivery."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)  # e.g. DE-BKA
    name: Mapped[str] = mapped_column(String(200))
    countries: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ISO alpha-2 served
    channel: Mapped[str] = mapped_column(String(20))  # direct | europol | interpol | hotline
    via_code: Mapped[str | None] = mapped_column(String(50))  # intermediary agency, if any
    delivery_method: Mapped[str] = mapped_column(String(20))  # webhook | pull
    endpoint_url: Mapped[str | None] = mapped_column(String(500))
    signing_secret: Mapped[str | None] = mapped_column(String(200))  # HMAC key for webhooks
    public_key: Mapped[str | None] = mapped_column(String(200))  # X25519, base64, for bundles
    contact: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetentionWindow(Base):
    """How long providers in a country keep subscriber data: the clock of every lead."""

    __tablename__ = "retention_windows"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    days: Mapped[int | None] = mapped_column(Integer)  # None: unknown (a default applies)
    source: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Route(Base):
    """A case routed to an agency: why, through which channel chain, and by when."""

    __tablename__ = "routes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    channel_chain: Mapped[list[Any]] = mapped_column(JSON, default=list)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deadline_basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | superseded
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_routes_case_status", "case_id", "status"),)


class Delivery(Base):
    """One package of one case version for one agency, in the durable outbox."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    case_version: Mapped[str] = mapped_column(String(64))  # digest of the case's content
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ack_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_deliveries_outbox", "status", "next_attempt_at"),)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))  # deadline_risk | dead_letter | deconfliction
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


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
    __tablename__ = "deconfliction_hits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("deconfliction_watches.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    notified: Mapped[list[Any]] = mapped_column(JSON, default=list)  # agency codes told
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
