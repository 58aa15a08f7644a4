"""Raising alerts. Never commits: the caller's transaction does."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tipline.alerts import store
from tipline.alerts.models import Alert
from tipline.db import utcnow


def raise_alert(session: Session, kind: str, case_id: int | None, agency_id: int | None,
                message: str) -> Alert | None:
    """A new alert, or None when the same one is still open: routing recomputes a case
    whenever it grows, and an agency must not be told the same thing twice."""
    if store.open_alert(session, kind, case_id, agency_id, message) is not None:
        return None
    alert = Alert(kind=kind, case_id=case_id, agency_id=agency_id, message=message)
    session.add(alert)
    return alert


def settle(session: Session, kind: str, case_id: int) -> int:
    """Mark the case's open alerts of this kind as dealt with (a case that could not be routed
    now is): how many. Staff read only the alerts that still need them."""
    alerts = store.open_alerts_of_case(session, kind, case_id)
    for alert in alerts:
        alert.acknowledged_at = utcnow()
    return len(alerts)
