"""Helpers for staff-side tests: users, and reports with files written straight to the
database (these tests are about classification, gating and triage, not intake)."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import Any

from sqlalchemy import select

from tipline.audit.service import Actor
from tipline.reporters.models import Reporter
from tipline.reports.models import Report, ReportFile
from tipline.state import AppState
from tipline.users.schemas import UserCreate
from tipline.users.service import create_user

STAFF_PASSWORD = "a-long-staff-password-42"
CP = "Child Pornography (possession, manufacture, and distribution)"


def add_user(state: AppState, username: str, role: str = "analyst",
             jurisdiction: str = "US") -> tuple[str, str]:
    with state.db.transaction() as session:
        create_user(session, UserCreate(username=username, role=role, organisation="Hotline",
                                        jurisdiction=jurisdiction, password=STAFF_PASSWORD),
                    Actor("test"))
    return username, STAFF_PASSWORD


def add_report(state: AppState, reporter: str, *, files: list[dict[str, Any]] | None = None,
               **fields: Any) -> tuple[int, list[str]]:
    """A finished report with evidence files sealed in the store; returns its id and file ids."""
    with state.db.transaction() as session:
        reporter_id = session.scalar(select(Reporter.id).where(Reporter.username == reporter))
        report = Report(reporter_id=reporter_id, source="json", status="finished",
                        document_digest=uuid.uuid4().hex, incident_type=fields.pop(
                            "incident_type", CP), document=fields.pop("document", {}),
                        **fields)
        session.add(report)
        session.flush()
        ids = []
        for spec in files or []:
            data: bytes = spec.pop("content")
            sha256 = hashlib.sha256(data).hexdigest()
            state.evidence.put(sha256, io.BytesIO(data))
            file_id = uuid.uuid4().hex
            session.add(ReportFile(id=file_id, report_id=report.id, size=len(data),
                                   md5=hashlib.md5(data).hexdigest(),
                                   sha1=hashlib.sha1(data).hexdigest(), sha256=sha256,
                                   **{"annotations": [], "media_kind": "image", **spec}))
            ids.append(file_id)
        return report.id, ids
