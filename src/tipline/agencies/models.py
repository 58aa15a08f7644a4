"""Tables of the agency registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, UTCDateTime, utcnow


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
