from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, UTCDateTime, utcnow

# `agency`: organisation is the agency's registry code; `reporter`: a reporter organisation's
# staff, organisation is that reporter's API username (`reporters.username`).
ROLES = ("analyst", "supervisor", "admin", "hotline_analyst", "agency", "reporter")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(30))
    organisation: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(2))  # where the user acts (legal gate)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # RFC 6238 TOTP secret (base32) of a staff user who enrolled a second factor; None: off.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The last time step whose code was accepted: a code is good once (no replay).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class StaffSession(Base):
    """A page session, server-side: the cookie holds a random token, this row its SHA-256. A
    session ends here (logout, deactivation, an administrator) and the cookie is then worth
    nothing, even a copy of it."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
