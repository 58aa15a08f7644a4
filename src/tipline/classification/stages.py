"""Pipeline stage of the classification domain, listed in `pipeline/stages.py`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tipline.classification.service import record_file_facts
from tipline.reports import store as reports_store


def record_facts(session: Session, report_id: int, _prepared: object) -> None:
    """classification: record, once per file, what its matched bank sources and its reporter
    say it shows (age band, activity, nature). Verdicts are derived when read."""
    for file in reports_store.files_of(session, report_id):
        record_file_facts(session, file)
