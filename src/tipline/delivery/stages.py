"""The delivery stage, listed last in `pipeline/stages.py`: after routing chose the case's
agencies and triage read its deadlines, queue the case's current version for each of them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tipline.cases.store import case_of_report
from tipline.delivery.service import enqueue_for_case


def hand_over(session: Session, report_id: int, _prepared: object) -> None:
    """delivery: queue the report's case for every active route. Every route, not only new
    ones: a case that grew without changing its routes is a new version for its agencies,
    and a version an agency already has is skipped (so a retried stage queues nothing twice).
    """
    case = case_of_report(session, report_id)
    if case is not None:
        enqueue_for_case(session, case.id)
