"""Triage use cases for staff and agency users: the worklist, filtered to what its reader
may see."""

from __future__ import annotations

from tipline import access
from tipline.db import Database
from tipline.triage import store
from tipline.users.service import StaffUser


def worklist(db: Database, user: StaffUser, level: str | None,
             limit: int) -> list[store.WorklistRow]:
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        access.check_worklist(viewer)
        return store.worklist(session, level, limit, access.visible_cases(viewer))
