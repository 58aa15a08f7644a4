"""Reporters see only their own reports, through both APIs; evidence writes are audited and the
audit log cannot be rewritten, on either database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tipline.audit.models import AuditEvent
from tipline.reports.models import Report, ReportFile

from factories import file_doc, png_bytes, report_doc, report_xml
from intake_support import Intake, code_of, details_xml, json_error, start_intake


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def intake(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    yield from start_intake(request, tmp_path_factory)


@pytest.fixture
def a_report(intake: Intake) -> tuple[int, str]:
    """An open report of reporter A with one file."""
    report_id = intake.submit(report_xml())
    return report_id, intake.upload_ok(report_id, png_bytes(seed=41))


def unchanged(intake: Intake, send: Callable[[], httpx.Response]) -> httpx.Response:
    before = intake.snapshot()
    response = send()
    assert response.status_code == 404, response.text
    assert intake.snapshot() == before
    return response


def test_b_cannot_touch_a_report_through_json(intake: Intake, a_report: tuple[int, str]) -> None:
    report_id, file_id = a_report
    api, b = intake.api, intake.b
    sends: list[Callable[[], httpx.Response]] = [
        lambda: intake.http.get(f"{api}/{report_id}", auth=b),
        lambda: intake.http.post(f"{api}/{report_id}/files", auth=b,
                                 files={"file": ("x.png", png_bytes(seed=42), "image/png")}),
        lambda: intake.http.put(f"{api}/{report_id}/files/{file_id}", auth=b,
                                content=json.dumps(file_doc())),
        lambda: intake.http.post(f"{api}/{report_id}/finish", auth=b),
        lambda: intake.http.post(f"{api}/{report_id}/retract", auth=b),
    ]
    for send in sends:
        error = json_error(unchanged(intake, send))
        assert error["code"] == 5001
        assert "Org platform-a" not in error["message"]
    listed = intake.http.get(api, params={"limit": 500}, auth=b).json()
    assert report_id not in [r["report_id"] for r in listed]
    assert report_id in [r["report_id"] for r in intake.http.get(
        api, params={"limit": 500}, auth=intake.a).json()]
    with intake.state.db.sessions() as session:
        report = session.get(Report, report_id)
        reported = session.get(ReportFile, file_id)
        assert report is not None and report.status == "open"
        assert reported is not None and reported.details is None


def test_b_cannot_touch_a_report_through_ispws(intake: Intake,
                                               a_report: tuple[int, str]) -> None:
    report_id, file_id = a_report
    b = intake.b
    sends: list[Callable[[], httpx.Response]] = [
        lambda: intake.upload(report_id, png_bytes(seed=43), auth=b),
        lambda: intake.post_xml("fileinfo", details_xml(report_id, file_id), auth=b),
        lambda: intake.form("finish", report_id, auth=b),
        lambda: intake.form("retract", report_id, auth=b),
    ]
    for send in sends:
        assert code_of(unchanged(intake, send)) == 5001
    # A can still use it: nothing B did changed its state.
    assert code_of(intake.form("finish", report_id)) == 0
    intake.server.wait_processed(report_id)


def test_idempotency_keys_do_not_reach_across_reporters(intake: Intake) -> None:
    doc = report_doc(additionalInfo="shared key")
    headers = {"Content-Type": "application/json", "Idempotency-Key": "shared"}
    mine = intake.http.post(intake.api, content=json.dumps(doc), headers=headers,
                            auth=intake.a).json()["report_id"]
    theirs = intake.http.post(intake.api, content=json.dumps(doc), headers=headers,
                              auth=intake.b).json()["report_id"]
    assert mine != theirs


def test_evidence_writes_are_audited(intake: Intake) -> None:
    report_id = intake.submit(report_xml())
    image = png_bytes(seed=44)
    first = intake.upload_ok(report_id, image)
    second = intake.upload_ok(report_id, image)  # the same content again: one sealed file
    with intake.state.db.sessions() as session:
        stored = session.get(ReportFile, first)
        assert stored is not None
        writes = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "evidence.write", AuditEvent.object_id == stored.sha256)
            .order_by(AuditEvent.id)).all()
        by_file = {w.detail["file_id"]: w for w in writes}
        assert set(by_file) >= {first, second}
        reporter_id = session.scalar(select(Report.reporter_id).where(Report.id == report_id))
        assert by_file[first].actor == by_file[second].actor == f"reporter:{reporter_id}"
        assert by_file[first].remote_addr == "127.0.0.1"
        assert by_file[first].detail["size"] == len(image)
        assert by_file[first].detail["newly_stored"] is True
        assert by_file[second].detail["newly_stored"] is False


def test_audit_log_refuses_update_and_delete(intake: Intake) -> None:
    intake.submit(report_xml())  # at least one event
    with intake.state.db.sessions() as session:
        count = session.scalar(select(func.count()).select_from(AuditEvent))
        last = session.scalar(select(func.max(AuditEvent.id)))
    assert count and last
    for statement in ("UPDATE audit_events SET actor = 'someone-else'",
                      f"UPDATE audit_events SET detail = '{{}}' WHERE id = {last}",
                      "DELETE FROM audit_events",
                      f"DELETE FROM audit_events WHERE id = {last}"):
        with pytest.raises(DBAPIError, match="append-only"), \
                intake.state.db.transaction() as session:
            session.execute(text(statement))
    with intake.state.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == count
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor == "someone-else")) == 0
