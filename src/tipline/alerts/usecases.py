"""Alerts use cases: what the centre's staff are told (unroutable cases, dead letters...)."""

from __future__ import annotations

from tipline import access
from tipline.alerts import store
from tipline.alerts.models import Alert
from tipline.db import Database
from tipline.users.service import StaffUser

KINDS = ("unroutable", "deadline_risk", "deconfliction", "dead_letter")  # Alert.kind


def staff_alerts(db: Database, user: StaffUser | None, kind: str | None = None,
                 include_acknowledged: bool = False) -> list[Alert]:
    """Every alert, newest first: the centre's own (unroutable cases) and those told to
    agencies (deadlines at risk, dead letters). `user` None is the command line, which the
    operator runs; a user must be centre staff."""
    with db.sessions() as session:
        if user is not None:
            access.check_centre(access.staff_viewer(session, user), "read the centre's alerts")
        return store.centre_alerts(session, kind, include_acknowledged)
