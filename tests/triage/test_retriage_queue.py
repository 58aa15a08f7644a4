"""A classification review re-triages its case through the work queue, not by calling triage."""

from __future__ import annotations

from sqlalchemy import select

from linking_support import case_of, login, run, submit
from staff_support import add_user
from tipline.audit.service import Actor
from tipline.cases.models import Case
from tipline.classification import usecases
from tipline.reports.models import ReportFile
from tipline.state import AppState
from tipline.triage.service import RETRIAGE
from tipline.users.service import StaffUser
from tipline.users.store import by_username
from tipline.workqueue.models import PENDING, WorkItem

from factories import png_bytes


def _reviewer(state: AppState) -> StaffUser:
    add_user(state, "ana", jurisdiction="US")
    with state.db.sessions() as session:
        user = by_username(session, "ana")
        assert user is not None
        return StaffUser(user.id, user.username, user.role, user.organisation, user.jurisdiction)


def _pending(state: AppState) -> list[tuple[str, str]]:
    with state.db.sessions() as session:
        return [(q, k) for q, k in session.execute(
            select(WorkItem.queue, WorkItem.key).where(WorkItem.status == PENDING))]


def test_a_review_queues_a_retriage_that_the_worker_runs(state: AppState) -> None:
    reporter = login(state)
    report_id = submit(state, reporter, {"a.png": png_bytes(3)}, account="acct-1")
    run(state)
    case_id = case_of(state)[report_id]
    with state.db.sessions() as session:
        before = session.get(Case, case_id)
        assert before is not None
        level, reasons = before.priority_level, before.priority_reasons
        file_id = session.scalar(select(ReportFile.id).where(ReportFile.report_id == report_id))
    assert _pending(state) == []
    analyst = _reviewer(state)
    fields = {"age_band": "infant", "activity": "unknown", "nature": "real", "note": None}
    usecases.review(state.db, analyst, Actor("test"), fields, file_id=file_id)
    usecases.review(state.db, analyst, Actor("test"), fields, file_id=file_id)

    # Queued once (a second review of the same case adds nothing), not yet applied.
    assert _pending(state) == [(RETRIAGE, str(case_id))]
    with state.db.sessions() as session:
        unchanged = session.get(Case, case_id)
        assert unchanged is not None and unchanged.priority_reasons == reasons

    assert state.items.run_until_idle() == 1
    assert _pending(state) == []
    with state.db.sessions() as session:
        after = session.get(Case, case_id)
        assert after is not None
        assert any(r["reason"] == "an infant" for r in after.priority_reasons)
        assert (after.priority_level, after.priority_reasons) != (level, reasons)
