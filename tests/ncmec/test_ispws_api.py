"""The CyberTipline-compatible API (`/ispws`) over real HTTP: the whole report flow, the
pipeline's processing of it, and idempotent submission."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tipline.audit.models import AuditEvent
from tipline.pipeline.models import PipelineJob, StageRun
from tipline.reports.models import (
    FileSignal,
    Identifier,
    IpEvent,
    RawDocument,
    Report,
    ReportFile,
)

from factories import png_bytes, report_doc, report_xml
from intake_support import Intake, code_of, details_xml, start_intake, xml_of


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def intake(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    yield from start_intake(request, tmp_path_factory)


def test_status_needs_credentials(intake: Intake) -> None:
    ok = intake.http.get(f"{intake.ispws}/status", auth=intake.a)
    assert ok.status_code == 200
    assert code_of(ok) == 0
    assert "Org platform-a" in (xml_of(ok).findtext("responseDescription") or "")

    missing = intake.http.get(f"{intake.ispws}/status")
    wrong = intake.http.get(f"{intake.ispws}/status", auth=(intake.a[0], "wrong-password-123"))
    unknown = intake.http.get(f"{intake.ispws}/status", auth=("nobody", "wrong-password-123"))
    garbled = intake.http.get(f"{intake.ispws}/status", headers={"Authorization": "Basic !!"})
    for response in (missing, wrong, unknown, garbled):
        assert response.status_code == 401
        assert code_of(response) == 2000
        assert response.headers["www-authenticate"].startswith("Basic")


def test_xsd_serves_the_schema(intake: Intake) -> None:
    response = intake.http.get(f"{intake.ispws}/xsd")
    assert response.status_code == 200
    assert response.content == intake.state.schema.xsd_bytes
    assert b'<xs:element name="report">' in response.content
    assert b'<xs:element name="fileDetails">' in response.content


def test_full_report_flow(intake: Intake) -> None:
    report_id = intake.submit(report_xml())
    images = [png_bytes(seed=11), png_bytes(seed=12)]
    file_ids = []
    for image in images:
        response = intake.upload(report_id, image)
        assert response.status_code == 200
        body = xml_of(response)
        assert body.findtext("responseCode") == "0"
        assert body.findtext("reportId") == str(report_id)
        assert body.findtext("hash") == hashlib.md5(image).hexdigest()
        file_id = body.findtext("fileId") or ""
        assert len(file_id) == 32
        file_ids.append(file_id)

    claimed = hashlib.md5(images[0]).hexdigest()
    first = details_xml(report_id, file_ids[0], originalFileHash=[
        {"value": claimed, "@hashType": "MD5"}],
        ipCaptureEvent={"ipAddress": "203.0.113.9", "eventName": "Upload",
                        "dateTime": "2026-11-20T09:57:00Z"})
    for body in (first, details_xml(report_id, file_ids[1], fileName="second.png")):
        response = intake.post_xml("fileinfo", body)
        assert response.status_code == 200, response.text
        assert code_of(response) == 0

    done = intake.form("finish", report_id)
    assert done.status_code == 200, done.text
    root = xml_of(done)
    assert root.tag == "reportDoneResponse"
    intake.state.schema.validate(root)  # the response follows the schema too
    assert root.findtext("responseCode") == "0"
    assert root.findtext("reportId") == str(report_id)
    assert sorted(e.text for e in root.iter("fileId")) == sorted(file_ids)
    assert 0 <= int(done.headers["X-Tipline-Quality-Score"]) <= 100
    assert done.headers["X-Tipline-Status"] == f"/api/v1/reports/{report_id}"

    intake.server.wait_processed(report_id)
    with intake.state.db.sessions() as session:
        job = session.get(PipelineJob, report_id)
        assert job is not None and job.status == "done", job and job.last_error
        stages = set(session.scalars(select(StageRun.stage)
                                     .where(StageRun.report_id == report_id)))
        assert "intake" in stages and stages == set(intake.state.runner.order)

        report = session.get(Report, report_id)
        assert report is not None
        assert report.status == "finished" and report.source == "ncmec_xml"
        assert report.annotations == ["sextortion"]
        raw = session.scalars(select(RawDocument).where(RawDocument.report_id == report_id)
                              .order_by(RawDocument.id)).all()
        assert [r.kind for r in raw] == ["report", "fileDetails", "fileDetails"]
        assert raw[0].body == report_xml()

        signals = session.scalars(select(FileSignal).where(FileSignal.file_id.in_(file_ids))
                                  ).all()
        computed = {(s.file_id, s.signal_type, s.value) for s in signals
                    if s.source == "computed"}
        for file_id, image in zip(file_ids, images, strict=True):
            for kind in ("md5", "sha1", "sha256"):
                assert (file_id, kind, hashlib.new(kind, image).hexdigest()) in computed
        reporter_signals = [s for s in signals if s.source == "reporter"]
        assert [(s.file_id, s.signal_type, s.value, s.detail.get("matches_upload"))
                for s in reporter_signals] == [(file_ids[0], "md5", claimed, True)]

        identifiers = {(i.role, i.kind, i.value) for i in session.scalars(
            select(Identifier).where(Identifier.report_id == report_id))}
        assert {("reported", "account", "examplechat|user-1001"),
                ("reported", "email", "fox@example.test"),
                ("reported", "device", "idfa:ab-cd-ef"),
                ("incident", "url", "https://files.example.test/a/1")} <= identifiers
        events = {(e.file_id, e.role, e.ip, e.event_name, e.port) for e in session.scalars(
            select(IpEvent).where(IpEvent.report_id == report_id))}
        assert events == {(None, "reported", "198.51.100.23", "Upload", 443),
                          (file_ids[0], "file", "203.0.113.9", "Upload", None)}

        actions = [e.action for e in session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "report",
                                     AuditEvent.object_id == str(report_id)))]
        assert actions == ["report.submit", "report.upload", "report.upload", "report.fileinfo",
                           "report.fileinfo", "report.finish"]


def test_retract_an_open_report(intake: Intake) -> None:
    report_id = intake.submit(report_xml())
    intake.upload_ok(report_id, png_bytes(seed=21))
    response = intake.form("retract", report_id)
    assert response.status_code == 200
    assert code_of(response) == 0
    assert xml_of(response).findtext("reportId") == str(report_id)
    with intake.state.db.sessions() as session:
        report = session.get(Report, report_id)
        assert report is not None and report.status == "retracted"
        assert report.retracted_at is not None
        assert session.get(PipelineJob, report_id) is None  # nothing to process


def test_form_id_may_be_sent_as_multipart(intake: Intake) -> None:
    """Some clients send every form as multipart/form-data."""
    report_id = intake.submit(report_xml())
    response = intake.http.post(f"{intake.ispws}/retract", files={"id": (None, str(report_id))},
                                auth=intake.a)
    assert code_of(response) == 0, response.text


# -- idempotency ----------------------------------------------------------------------------


def test_idempotent_resubmission_returns_the_same_report(intake: Intake) -> None:
    body = report_xml(report_doc(additionalInfo="idempotent xml"))
    key = {"Idempotency-Key": "xml-key-1"}
    first = intake.post_xml("submit", body, headers=key)
    before = intake.snapshot()
    second = intake.post_xml("submit", body, headers=key)
    assert code_of(first) == code_of(second) == 0
    assert xml_of(first).findtext("reportId") == xml_of(second).findtext("reportId")
    assert intake.snapshot() == before

    other = report_xml(report_doc(additionalInfo="another document"))
    conflict = intake.post_xml("submit", other, headers=key)
    assert conflict.status_code == 409
    assert code_of(conflict) == 4000
    assert "xml-key-1" in (xml_of(conflict).findtext("responseDescription") or "")
    assert intake.snapshot() == before

    # Keys belong to a reporter: another reporter's equal key opens its own report.
    theirs = intake.post_xml("submit", body, auth=intake.b, headers=key)
    assert code_of(theirs) == 0
    assert xml_of(theirs).findtext("reportId") != xml_of(first).findtext("reportId")


def test_concurrent_submissions_with_one_key_open_one_report(intake: Intake) -> None:
    body = report_xml(report_doc(additionalInfo="raced"))
    before = intake.snapshot()
    barrier = threading.Barrier(6)
    ids: list[str | None] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait()
            response = intake.post_xml("submit", body, headers={"Idempotency-Key": "race-1"})
            assert code_of(response) == 0, response.text
            ids.append(xml_of(response).findtext("reportId"))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert len(ids) == 6 and len(set(ids)) == 1
    after = intake.snapshot()
    assert after["reports"] == before["reports"] + 1
    assert after["raw_documents"] == before["raw_documents"] + 1


def test_uploads_racing_a_finish_are_in_the_report_or_refused(intake: Intake) -> None:
    """The report's row lock orders uploads and finish: an acknowledged upload is one of the
    finished report's files; an upload that lost the race is refused and leaves no row."""
    report_id = intake.submit(report_xml())
    uploads = 8
    barrier = threading.Barrier(uploads + 1)
    acknowledged: list[str] = []
    refused: list[int] = []
    finished: list[list[str]] = []
    errors: list[BaseException] = []

    def upload(seed: int) -> None:
        try:
            barrier.wait()
            response = intake.upload(report_id, png_bytes(seed=seed))
            if code_of(response) == 0:
                acknowledged.append(xml_of(response).findtext("fileId") or "")
            else:
                refused.append(code_of(response))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    def finish() -> None:
        try:
            barrier.wait()
            response = intake.form("finish", report_id)
            assert code_of(response) == 0, response.text
            finished.append([f.text or "" for f in xml_of(response).iter("fileId")])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(900 + i,)) for i in range(uploads)]
    threads.append(threading.Thread(target=finish))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(acknowledged) + len(refused) == uploads
    assert set(refused) <= {5102}, refused  # the report is finished
    assert sorted(finished[0]) == sorted(acknowledged)
    with intake.state.db.sessions() as session:
        stored = session.scalars(select(ReportFile.id).where(
            ReportFile.report_id == report_id)).all()
    assert sorted(stored) == sorted(acknowledged)
    late = intake.upload(report_id, png_bytes(seed=999))
    assert code_of(late) == 5102
