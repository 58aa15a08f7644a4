"""The routes table: which agency receives a case, why, through which chain, by when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


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


class RouteCountry(Base):
    """A country an active route was made for (one per reason; routing deletes the rows of a
    route it supersedes), so the worklist filters cases by country with one index instead of
    matching text in the routes' JSON reasons."""

    __tablename__ = "route_countries"

    route_id: Mapped[int] = mapped_column(BigId, ForeignKey("routes.id"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))

    __table_args__ = (Index("ix_route_countries_country_case", "country", "case_id"),)
