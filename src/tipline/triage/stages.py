"""Pipeline stage of the triage domain, listed in `pipeline/stages.py`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.cases.models import CaseReport
from tipline.triage.policy import current_policy
from tipline.triage.service import recompute


def prioritise(policy_path: Path | None, session: Session, report_id: int,
               _prepared: object) -> None:
    """triage: recompute the priority of the report's case (written by the linking stage).
    A merge by linking leaves the report in the surviving case, which is the one recomputed."""
    case_id = session.scalar(select(CaseReport.case_id).where(CaseReport.report_id == report_id))
    if case_id is not None:
        recompute(session, case_id, current_policy(policy_path))
