"""Case use cases for staff and agency users: each one transaction, access applied inside."""

from __future__ import annotations

from typing import Any

from tipline import access
from tipline.audit.service import Actor, record
from tipline.cases.models import CaseReport
from tipline.cases.service import case_view
from tipline.db import Database
from tipline.users.service import StaffUser


def view_case(db: Database, user: StaffUser, actor: Actor, case_id: int) -> dict[str, Any]:
    """A case the user may see (404 otherwise), with only the reports and clusters they may
    see; the view is audited."""
    with db.transaction() as session:
        viewer = access.staff_viewer(session, user)
        case = access.case(session, viewer, case_id)
        view = case_view(session, case_id, access.visible_reports(viewer, CaseReport.report_id))
        assert view is not None  # access.case found it in this transaction
        record(session, actor, "case.view", "case", case.id)
        return view
