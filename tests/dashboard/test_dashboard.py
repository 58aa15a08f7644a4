"""The dashboard's figures (both databases) and its pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from pages_support import routed_case
from staff_support import add_user
from tipline.agencies.models import Agency
from tipline.audit.service import Actor
from tipline.dashboard import rules, usecases
from tipline.delivery import service as delivery
from tipline.errors import Forbidden, Invalid
from tipline.state import AppState
from tipline.users.service import StaffUser

NOW = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


def _user(state: AppState, role: str) -> StaffUser:
    username, _ = add_user(state, f"{role}-dash", role)
    return StaffUser(0, username, role, "Hotline", "US")


def test_deadline_outcomes() -> None:
    deadline = NOW
    assert rules.deadline_outcome(deadline, NOW - dt.timedelta(hours=1), NOW) == rules.MET
    assert rules.deadline_outcome(deadline, NOW + dt.timedelta(hours=1), NOW) == rules.MISSED
    assert rules.deadline_outcome(deadline, None, NOW + dt.timedelta(seconds=1)) == rules.MISSED
    assert rules.deadline_outcome(deadline, None, NOW - dt.timedelta(seconds=1)) == rules.OPEN


def test_days_without_reports_are_zero_and_the_long_tail_is_other() -> None:
    assert rules.per_day({"2026-03-09": 4}, dt.date(2026, 3, 8), dt.date(2026, 3, 10)) == [
        ("2026-03-08", 0), ("2026-03-09", 4), ("2026-03-10", 0)]
    counts = {f"k{i}": i for i in range(1, 13)}
    ranked = rules.ranked(counts, top=3)
    assert ranked == [("k12", 12), ("k11", 11), ("k10", 10), ("other", sum(range(1, 10)))]


def test_figures_count_reports_cases_desk_time_and_deadlines(state: AppState) -> None:
    routed_case(state, "AG-FIG")
    case_id, acked = routed_case(state, "AG-FIG", reporter="platform-b")
    routed_case(state, "AG-FIG", deadline_hours=-1)
    with state.db.transaction() as session:
        agency = session.query(Agency).filter_by(code="AG-FIG").one()
        delivery.acknowledge(session, agency, acked, Actor("test"), {})
    found = usecases.figures(state.db, _user(state, "analyst"), 7)
    assert (found.reports, found.cases, found.reports_per_case) == (3, 3, 1.0)
    assert found.deadlines == {"met": 1, "missed": 1, "open": 1}
    assert sum(n for _day, n in found.per_day) == 3 and len(found.per_day) == 8
    assert dict(found.by_reporter) == {"Org platform-pages": 2, "Org platform-b": 1}
    assert dict(found.by_country) == {"DE": 3}
    assert [(d.agency, d.count) for d in found.desk] == [("AG-FIG", 1)]
    assert case_id


def test_the_dashboard_is_the_centres(state: AppState) -> None:
    with pytest.raises(Forbidden):
        usecases.figures(state.db, StaffUser(0, "a", "agency", "AG-X", "DE"), 7)
    with pytest.raises(Invalid):
        usecases.figures(state.db, _user(state, "analyst"), 0)
