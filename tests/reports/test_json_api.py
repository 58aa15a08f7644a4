"""The JSON intake API (`/api/v1/reports`) over real HTTP: the same content and rules as the
CyberTipline XML, JSON errors, and the status a reporter reads back."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tipline.reports.models import RawDocument, Report, ReportFile

from factories import file_doc, png_bytes, report_doc, report_xml
from intake_support import DOCUMENT_LIMIT, Intake, json_error, start_intake


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def intake(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    yield from start_intake(request, tmp_path_factory)


def create(intake: Intake, doc: Any, key: str | None = None,
           auth: tuple[str, str] | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    return intake.http.post(intake.api, content=json.dumps(doc), headers=headers,
                            auth=auth or intake.a)


def created(intake: Intake, doc: dict[str, Any] | None = None) -> int:
    response = create(intake, doc or report_doc())
    assert response.status_code == 201, response.text
    return int(response.json()["report_id"])


def upload(intake: Intake, report_id: int, content: bytes) -> httpx.Response:
    return intake.http.post(f"{intake.api}/{report_id}/files", auth=intake.a,
                            files={"file": ("image.png", content, "image/png")})


def describe(intake: Intake, report_id: int, file_id: str, doc: Any) -> httpx.Response:
    return intake.http.put(f"{intake.api}/{report_id}/files/{file_id}", content=json.dumps(doc),
                           headers={"Content-Type": "application/json"}, auth=intake.a)


def refused(intake: Intake, send: Callable[[], httpx.Response], status: int,
            code: int) -> dict[str, Any]:
    before = intake.snapshot()
    response = send()
    assert response.status_code == status, response.text
    error = json_error(response)
    assert error["code"] == code, error
    assert intake.snapshot() == before
    return error


def test_full_flow(intake: Intake) -> None:
    response = create(intake, report_doc())
    assert response.status_code == 201
    assert response.json() == {"report_id": response.json()["report_id"], "status": "open",
                               "created": True}
    report_id = int(response.json()["report_id"])

    images = [png_bytes(seed=31), png_bytes(seed=32)]
    file_ids = []
    for image in images:
        uploaded = upload(intake, report_id, image)
        assert uploaded.status_code == 201, uploaded.text
        body = uploaded.json()
        assert body["report_id"] == report_id and body["size"] == len(image)
        for kind in ("md5", "sha1", "sha256"):
            assert body[kind] == hashlib.new(kind, image).hexdigest()
        file_ids.append(body["file_id"])

    # reportId and fileId come from the URL; giving them again is allowed if they agree.
    first = describe(intake, report_id, file_ids[0], file_doc())
    second = describe(intake, report_id, file_ids[1],
                      {**file_doc(fileName="two.png"), "reportId": report_id,
                       "fileId": file_ids[1]})
    for response in (first, second):
        assert response.status_code == 200, response.text
    assert first.json() == {"report_id": report_id, "file_id": file_ids[0], "described": True}

    status = intake.http.get(f"{intake.api}/{report_id}", auth=intake.a).json()
    assert status["status"] == "open" and status["pipeline"] is None
    assert status["quality"]["score"] >= 0  # an open report shows what it lacks so far

    finished = intake.http.post(f"{intake.api}/{report_id}/finish", auth=intake.a)
    assert finished.status_code == 200, finished.text
    body = finished.json()
    assert body["status"] == "finished" and sorted(body["files"]) == sorted(file_ids)
    assert set(body["quality"]) == {"score", "issues"}
    assert 0 <= body["quality"]["score"] <= 100
    for issue in body["quality"]["issues"]:
        assert set(issue) == {"code", "severity", "path", "message"}

    intake.server.wait_processed(report_id)
    status = intake.http.get(f"{intake.api}/{report_id}", auth=intake.a).json()
    assert status["status"] == "finished" and status["source"] == "json"
    assert status["finished_at"] is not None
    assert sorted((f["file_id"], f["described"], f["size"]) for f in status["files"]) == sorted(
        (f, True, len(i)) for f, i in zip(file_ids, images, strict=True))
    assert status["quality"] == body["quality"]
    assert status["pipeline"]["status"] == "done"
    assert status["pipeline"]["stages_done"] == intake.state.runner.order

    listed = intake.http.get(intake.api, auth=intake.a).json()
    assert report_id in [r["report_id"] for r in listed]
    assert listed == sorted(listed, key=lambda r: -r["report_id"])  # newest first
    page = intake.http.get(intake.api, params={"limit": 1}, auth=intake.a).json()
    assert len(page) == 1

    with intake.state.db.sessions() as session:
        described = session.get(ReportFile, file_ids[1])
        assert described is not None and described.file_name == "two.png"
        raw = session.scalars(select(RawDocument).where(RawDocument.report_id == report_id)
                              .order_by(RawDocument.id)).all()
        assert [(r.kind, r.content_type) for r in raw] == [
            ("report", "application/json"), ("fileDetails", "application/json"),
            ("fileDetails", "application/json")]
        assert json.loads(raw[0].body) == report_doc()  # verbatim


def test_json_report_and_its_xml_twin_store_the_same_document(intake: Intake) -> None:
    doc = report_doc(additionalInfo="twin")
    json_id = created(intake, doc)
    xml_id = intake.submit(report_xml(doc))
    # Key order and single-versus-list do not matter in JSON: the schema decides.
    shuffled = dict(reversed(list(doc.items())))
    shuffled["internetDetails"] = doc["internetDetails"][0]
    shuffled_id = created(intake, shuffled)
    with intake.state.db.sessions() as session:
        documents = [session.get(Report, i) for i in (json_id, xml_id, shuffled_id)]
        assert all(d is not None for d in documents)
        first = documents[0]
        assert first is not None
        for other in documents[1:]:
            assert other is not None
            assert other.document == first.document
            assert (other.incident_type, other.platform, other.annotations) == (
                first.incident_type, first.platform, first.annotations)


def test_idempotent_create(intake: Intake) -> None:
    doc = report_doc(additionalInfo="idempotent json")
    first = create(intake, doc, key="json-key-1")
    before = intake.snapshot()
    again = create(intake, doc, key="json-key-1")
    assert first.status_code == 201 and again.status_code in (200, 201)
    assert again.json()["report_id"] == first.json()["report_id"]
    assert again.json()["created"] is False
    assert intake.snapshot() == before
    error = refused(intake, lambda: create(intake, report_doc(additionalInfo="other"),
                                           key="json-key-1"), 409, 4000)
    assert "json-key-1" in error["message"]


@pytest.mark.parametrize(("doc", "path", "name"), [
    pytest.param(report_doc(favouriteColour="blue"), "$", "favouriteColour", id="top-level"),
    pytest.param(report_doc(incidentSummary={**report_doc()["incidentSummary"], "mood": "x"}),
                 "$.incidentSummary", "mood", id="nested"),
    pytest.param(report_doc(personOrUserReported=[{**report_doc()["personOrUserReported"][0],
                                                   "shoeSize": 9}]),
                 "$.personOrUserReported[0]", "shoeSize", id="in-a-list"),
])
def test_unknown_field_names_its_path(intake: Intake, doc: dict[str, Any], path: str,
                                      name: str) -> None:
    error = refused(intake, lambda: create(intake, doc), 400, 4100)
    assert error["type"] == "validation_failed"
    assert error["message"].startswith(f"{path}:"), error
    assert "unknown field" in error["message"]
    assert error["field"] == f"{path}.{name}"


def test_a_schema_violation_names_the_json_path_not_an_xml_line(intake: Intake) -> None:
    """The XSD's own checks (an enumeration here) are told as JSON paths, never as an XML
    element on 'line 0'."""
    doc = report_doc(incidentSummary={**report_doc()["incidentSummary"],
                                      "incidentType": "Not a type"})
    error = refused(intake, lambda: create(intake, doc), 400, 4100)
    assert error["type"] == "validation_failed"
    assert error["field"] == "$.incidentSummary.incidentType"
    assert "$.incidentSummary.incidentType: [facet 'enumeration']" in error["message"]
    assert "line 0" not in error["message"] and "Element '" not in error["message"]


@pytest.mark.parametrize("doc", [
    pytest.param(report_doc(incidentSummary="not an object"), id="object-expected"),
    pytest.param(report_doc(incidentSummary={**report_doc()["incidentSummary"],
                                             "platform": ["a", "b"]}), id="list-for-single"),
    pytest.param(report_doc(incidentSummary={**report_doc()["incidentSummary"],
                                             "platform": {"nested": 1}}), id="object-for-text"),
    pytest.param(report_doc(personOrUserReported=[{**report_doc()["personOrUserReported"][0],
                                                   "ipCaptureEvent": [{"ipAddress": "1.2.3.4",
                                                                       "port": "https"}]}]),
                 id="text-for-number"),
    pytest.param(report_doc(incidentSummary={**report_doc()["incidentSummary"],
                                             "incidentType": "Something Else"}), id="bad-enum"),
    pytest.param(report_doc(incidentSummary={**report_doc()["incidentSummary"],
                                             "incidentDateTime": 20261120}), id="bad-date"),
    pytest.param([report_doc()], id="array"),
    pytest.param(None, id="null"),
    pytest.param({}, id="empty"),
])
def test_wrong_types_are_refused(intake: Intake, doc: Any) -> None:
    refused(intake, lambda: create(intake, doc), 400, 4100)


def test_body_that_is_not_json(intake: Intake) -> None:
    for body in (b"{", b"<report/>", b"\xff\xfe"):
        refused(intake, lambda b=body: intake.http.post(
            intake.api, content=b, headers={"Content-Type": "application/json"},
            auth=intake.a), 400, 4100)


def test_describe_errors(intake: Intake) -> None:
    report_id = created(intake)
    file_id = upload(intake, report_id, png_bytes(seed=33)).json()["file_id"]
    other_id = created(intake)
    mismatch = refused(intake, lambda: describe(intake, report_id, file_id,
                                                {**file_doc(), "reportId": other_id}), 400, 4100)
    assert "reportId" in mismatch["message"]
    refused(intake, lambda: describe(intake, report_id, file_id,
                                     {**file_doc(), "fileId": "0" * 32}), 400, 4100)
    refused(intake, lambda: describe(intake, report_id, file_id,
                                     file_doc(fileViewedByEsp="yes")), 400, 4100)
    refused(intake, lambda: describe(intake, report_id, file_id,
                                     file_doc(industryClassification="C3")), 400, 4100)
    refused(intake, lambda: describe(intake, report_id, "0" * 32, file_doc()), 404, 5002)
    refused(intake, lambda: describe(intake, 987654321, file_id, file_doc()), 404, 5001)
    big = file_doc(additionalInfo=["z" * DOCUMENT_LIMIT])
    refused(intake, lambda: describe(intake, report_id, file_id, big), 413, 4000)


def test_closed_reports_refuse_changes(intake: Intake) -> None:
    finished_id = created(intake)
    file_id = upload(intake, finished_id, png_bytes(seed=34)).json()["file_id"]
    assert intake.http.post(f"{intake.api}/{finished_id}/finish", auth=intake.a).is_success
    intake.server.wait_processed(finished_id)
    retracted_id = created(intake)
    retracted = intake.http.post(f"{intake.api}/{retracted_id}/retract", auth=intake.a)
    assert retracted.json() == {"report_id": retracted_id, "status": "retracted"}
    for report_id, code in ((finished_id, 5102), (retracted_id, 5101)):
        refused(intake, lambda r=report_id: upload(intake, r, png_bytes(seed=35)), 409, code)
        refused(intake, lambda r=report_id: describe(intake, r, file_id, file_doc()), 409, code)
        for action in ("finish", "retract"):
            refused(intake, lambda r=report_id, a=action: intake.http.post(
                f"{intake.api}/{r}/{a}", auth=intake.a), 409, code)
    status = intake.http.get(f"{intake.api}/{retracted_id}", auth=intake.a).json()
    assert status["status"] == "retracted" and status["retracted_at"] is not None


def test_request_errors_answer_in_json(intake: Intake) -> None:
    refused(intake, lambda: intake.http.post(intake.api, content=json.dumps(report_doc())),
            401, 2000)
    refused(intake, lambda: intake.http.get(f"{intake.api}/not-a-number", auth=intake.a),
            400, 4000)
    refused(intake, lambda: intake.http.get(f"{intake.api}/99999999999999999999",
                                            auth=intake.a), 404, 5001)
    refused(intake, lambda: intake.http.get(f"{intake.url}/api/v1/nothing-here",
                                            auth=intake.a), 404, 4000)
    refused(intake, lambda: intake.http.delete(intake.api, auth=intake.a), 405, 4000)
    refused(intake, lambda: intake.http.get(intake.api, params={"limit": 0}, auth=intake.a),
            400, 4000)
    report_id = created(intake)
    refused(intake, lambda: intake.http.post(f"{intake.api}/{report_id}/files",
                                             data={"file": "text"}, auth=intake.a), 400, 4000)
    refused(intake, lambda: upload(intake, report_id, b""), 400, 4200)
