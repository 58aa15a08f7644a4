"""Queries of the agency registry."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency, RetentionWindow
from tipline.agencies.rules import AgencyEntry


def agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def agency(session: Session, code: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.code == code.strip().upper()))


def entry(row: Agency) -> AgencyEntry:
    return AgencyEntry(row.code, row.name, tuple(row.countries or ()), row.channel, row.via_code,
                       row.delivery_method, row.endpoint_url, row.contact, row.active)


def registry(session: Session) -> dict[str, AgencyEntry]:
    return {row.code: entry(row) for row in agencies(session)}


def codes(session: Session) -> dict[int, str]:
    """Every agency's code by its id."""
    return {row.id: row.code for row in agencies(session)}


def retention_overrides(session: Session) -> dict[str, tuple[int | None, str]]:
    return {r.country: (r.days, r.source) for r in session.scalars(select(RetentionWindow))}
