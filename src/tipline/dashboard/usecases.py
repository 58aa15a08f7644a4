"""Dashboard use cases: the centre's figures over the last days (centre staff only)."""

from __future__ import annotations

from tipline import access
from tipline.dashboard import service
from tipline.db import Database, utcnow
from tipline.errors import Invalid
from tipline.users.service import StaffUser

MAX_DAYS = 366


def figures(db: Database, user: StaffUser, days: int) -> service.Figures:
    """Volumes, folding, time to desk and deadlines of the last `days` days."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"days must be between 1 and {MAX_DAYS}")
    with db.sessions() as session:
        access.check_centre(access.staff_viewer(session, user), "read the dashboard")
        return service.figures(session, days, utcnow())
