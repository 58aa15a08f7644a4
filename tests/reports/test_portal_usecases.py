"""The reporter portal's use cases (both databases): a reporter user reads its own
organisation's reports through the reporter API's read model, never another's."""

from __future__ import annotations

import pytest

from pages_support import DOC, reporter_org
from staff_support import add_report
from tipline.db import utcnow
from tipline.errors import Forbidden, NotFound
from tipline.reports import usecases
from tipline.reports.errors import ReportNotFound
from tipline.state import AppState
from tipline.users.service import StaffUser


def test_a_reporter_user_reads_only_its_organisations_reports(state: AppState) -> None:
    ours, theirs = reporter_org(state, "org-ours"), reporter_org(state, "org-theirs")
    mine, _ = add_report(state, ours, document=DOC, finished_at=utcnow(), quality_score=55)
    other, _ = add_report(state, theirs, document=DOC, finished_at=utcnow())
    user = StaffUser(0, "someone", "reporter", ours, "US")
    assert [r.report_id for r in usecases.portal_statuses(state.db, user, 10, 0)] == [mine]
    found = usecases.portal_status(state.db, user, mine)
    assert found.quality is not None and found.quality.score == 55
    with pytest.raises(ReportNotFound):  # a 404, as for the reporter API
        usecases.portal_status(state.db, user, other)


def test_the_portal_is_for_reporter_users_only(state: AppState) -> None:
    with pytest.raises(Forbidden):
        usecases.portal_statuses(state.db, StaffUser(0, "a", "analyst", "Hotline", "US"), 10, 0)
    with pytest.raises(NotFound):  # an organisation that is not an active reporter
        usecases.portal_statuses(state.db, StaffUser(0, "r", "reporter", "gone", "US"), 10, 0)
