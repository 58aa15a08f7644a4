"""Queries of the alerts domain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.alerts.models import Alert


def open_alert(session: Session, kind: str, case_id: int | None, agency_id: int | None,
               message: str) -> Alert | None:
    """An unacknowledged alert saying the same thing (so a recompute does not repeat it)."""
    return session.scalar(select(Alert).where(
        Alert.kind == kind, Alert.case_id == case_id, Alert.agency_id == agency_id,
        Alert.message == message, Alert.acknowledged_at.is_(None)).limit(1))


def alerts_for(session: Session, agency_id: int, limit: int = 500) -> list[Alert]:
    """An agency's alerts, newest first."""
    return list(session.scalars(select(Alert).where(Alert.agency_id == agency_id)
                                .order_by(Alert.id.desc()).limit(limit)))


def centre_alerts(session: Session, kind: str | None, include_acknowledged: bool,
                  limit: int = 500) -> list[Alert]:
    """Every alert (the centre's own and those told to agencies), newest first."""
    stmt = select(Alert)
    if kind is not None:
        stmt = stmt.where(Alert.kind == kind)
    if not include_acknowledged:
        stmt = stmt.where(Alert.acknowledged_at.is_(None))
    return list(session.scalars(stmt.order_by(Alert.id.desc()).limit(limit)))


def open_alerts_of_case(session: Session, kind: str, case_id: int) -> list[Alert]:
    return list(session.scalars(select(Alert).where(
        Alert.kind == kind, Alert.case_id == case_id, Alert.acknowledged_at.is_(None))))
