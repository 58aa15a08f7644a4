"""Helpers for casework tests: staff users as the use cases take them, and the lease."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from staff_support import add_user
from tipline.audit.service import Actor
from tipline.cases.models import Case
from tipline.state import AppState
from tipline.users.models import User
from tipline.users.service import StaffUser, staff_user

LEASE = dt.timedelta(minutes=30)


def staff(state: AppState, username: str, role: str = "analyst",
          organisation: str = "Hotline") -> StaffUser:
    """A staff user (created if missing), as an authenticated request carries it."""
    with state.db.sessions() as session:
        found = session.scalar(select(User).where(User.username == username))
    if found is None:
        add_user(state, username, role)
        with state.db.transaction() as session:
            found = session.scalar(select(User).where(User.username == username))
            assert found is not None
            found.organisation = organisation
    with state.db.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return staff_user(user)


def actor(user: StaffUser) -> Actor:
    return user.actor("127.0.0.1")


def add_cases(state: AppState, levels: list[tuple[str, int]]) -> list[int]:
    """Open cases straight in the database, each with a level and a score."""
    with state.db.transaction() as session:
        cases = [Case(status="open", summary={}, priority_level=level, priority_score=points,
                      priority_reasons=[]) for level, points in levels]
        session.add_all(cases)
        session.flush()
        return [c.id for c in cases]


def case_row(state: AppState, case_id: int) -> Case:
    with state.db.sessions() as session:
        found = session.get(Case, case_id)
        assert found is not None
        session.expunge(found)
        return found
