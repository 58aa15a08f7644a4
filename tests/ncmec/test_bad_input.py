"""Refused requests to `/ispws`: each gets its CyberTipline response code and HTTP status, leaks
nothing, and stores nothing (no report, file or raw document row, no evidence file)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tipline.ncmec.schema import load_schema, to_xml_bytes
from tipline.pipeline.models import PipelineJob
from tipline.reports.models import Report

from factories import png_bytes, report_doc, report_xml
from intake_support import (
    DOCUMENT_LIMIT,
    UPLOAD_LIMIT,
    Intake,
    code_of,
    details_xml,
    start_intake,
    xml_of,
)

SECRET = "tipline-test-secret-4c1f9e"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def intake(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    yield from start_intake(request, tmp_path_factory)


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(SECRET)
    return path


def refused(intake: Intake, send: Callable[[], httpx.Response], status: int,
            code: int) -> httpx.Response:
    """Send a request that must be refused, and check that it changed nothing."""
    before = intake.snapshot()
    response = send()
    assert response.status_code == status, response.text
    assert code_of(response) == code, response.text
    assert SECRET not in response.text
    assert intake.snapshot() == before
    return response


def open_report(intake: Intake, files: int = 0) -> tuple[int, list[str]]:
    report_id = intake.submit(report_xml())
    file_ids = [intake.upload_ok(report_id, png_bytes(seed=100 + i)) for i in range(files)]
    return report_id, file_ids


# -- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, ("platform-a", "not-the-password"),
                                  ("no-such-user", "not-the-password")])
def test_submit_without_valid_credentials(intake: Intake, auth: tuple[str, str] | None) -> None:
    response = refused(intake, lambda: intake.http.post(
        f"{intake.ispws}/submit", content=report_xml(), auth=auth), 401, 2000)
    assert response.headers["www-authenticate"].startswith("Basic")


def test_upload_without_credentials(intake: Intake) -> None:
    report_id, _ = open_report(intake)
    refused(intake, lambda: intake.http.post(
        f"{intake.ispws}/upload", data={"id": str(report_id)},
        files={"file": ("a.png", png_bytes(seed=3))}), 401, 2000)


# -- malformed and hostile XML (4110) --------------------------------------------------------


def test_malformed_xml(intake: Intake) -> None:
    for body in (b"", b"not xml at all", b"<report><incidentSummary></report>",
                 report_xml()[:-20], b"\xff\xfe\x00garbage"):
        refused(intake, lambda b=body: intake.post_xml("submit", b), 400, 4110)
    refused(intake, lambda: intake.post_xml("fileinfo", b"<fileDetails><reportId>"), 400, 4110)


def _with_doctype(dtd: str, entity_use: str) -> bytes:
    body = report_xml(report_doc(additionalInfo="PLACEHOLDER")).decode()
    body = body.replace("<report>", f"{dtd}\n<report>", 1).replace("PLACEHOLDER", entity_use)
    return body.encode()


def test_doctype_is_refused(intake: Intake) -> None:
    body = _with_doctype("<!DOCTYPE report>", "plain")
    refused(intake, lambda: intake.post_xml("submit", body), 400, 4110)


def test_external_entity_cannot_read_a_local_file(intake: Intake, secret_file: Path) -> None:
    general = _with_doctype(
        f'<!DOCTYPE report [<!ENTITY xxe SYSTEM "file://{secret_file}">]>', "&xxe;")
    parameter = _with_doctype(
        f'<!DOCTYPE report [<!ENTITY % p SYSTEM "file://{secret_file}"> %p;]>', "plain")
    # The same in UTF-16, where a byte-level search for "<!DOCTYPE" finds nothing.
    utf16 = general.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    for body in (general, parameter, utf16):
        response = refused(intake, lambda b=body: intake.post_xml("submit", b), 400, 4110)
        assert "xxe" not in response.text.lower() or SECRET not in response.text
    report_id, file_ids = open_report(intake, files=1)
    details = details_xml(report_id, file_ids[0], fileName="PLACEHOLDER").decode().replace(
        "<fileDetails>",
        f'<!DOCTYPE fileDetails [<!ENTITY xxe SYSTEM "file://{secret_file}">]><fileDetails>'
    ).replace("PLACEHOLDER", "&xxe;").encode()
    refused(intake, lambda: intake.post_xml("fileinfo", details), 400, 4110)


def test_entity_expansion_is_refused(intake: Intake) -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    laughs = _with_doctype(f"<!DOCTYPE report [{''.join(levels)}]>", "&lol9;")
    utf16 = laughs.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    for body in (laughs, utf16):
        response = refused(intake, lambda b=body: intake.post_xml("submit", b), 400, 4110)
        assert "lollol" not in response.text


def test_deeply_nested_xml_is_refused(intake: Intake) -> None:
    body = b"<report>" + b"<a>" * 1000 + b"</a>" * 1000 + b"</report>"
    refused(intake, lambda: intake.post_xml("submit", body), 400, 4110)


# -- documents that do not follow the schema (4100) ------------------------------------------


def _replace(old: str, new: str) -> bytes:
    body = report_xml().decode()
    assert old in body
    return body.replace(old, new, 1).encode()


@pytest.mark.parametrize("body", [
    pytest.param(_replace("<platform>", "<favouriteColour>blue</favouriteColour><platform>"),
                 id="unknown-element"),
    pytest.param(_replace("<platform>ExampleChat</platform>", "").replace(
        b"</incidentDateTime>", b"</incidentDateTime><platform>ExampleChat</platform>"),
                 id="out-of-order"),
    pytest.param(_replace("<report>", "<report><reporter/>"), id="out-of-order-section"),
    pytest.param(_replace("Child Pornography (possession, manufacture, and distribution)",
                          "Something Else"), id="bad-enum"),
    pytest.param(_replace("<port>443</port>", "<port>https</port>"), id="bad-number"),
    pytest.param(b"<?xml version='1.0'?><fileDetails><reportId>1</reportId>"
                 b"<fileId>x</fileId></fileDetails>", id="wrong-root"),
    pytest.param(_replace("<report>", '<report xmlns="urn:example:other">'),
                 id="foreign-namespace"),
])
def test_schema_violations_are_refused(intake: Intake, body: bytes) -> None:
    response = refused(intake, lambda: intake.post_xml("submit", body), 400, 4100)
    assert xml_of(response).findtext("responseDescription")


def test_fileinfo_schema_violations(intake: Intake) -> None:
    report_id, file_ids = open_report(intake, files=1)
    good = details_xml(report_id, file_ids[0]).decode()
    bad_enum = good.replace("<industryClassification>B2", "<industryClassification>Z9")
    unknown = good.replace("<fileName>", "<shoeSize>9</shoeSize><fileName>")
    for body in (bad_enum, unknown, report_xml().decode()):
        refused(intake, lambda b=body: intake.post_xml("fileinfo", b.encode()), 400, 4100)


# -- invalid requests (4000) -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["upload", "finish", "retract"])
@pytest.mark.parametrize("form", [{}, {"id": ""}, {"id": "abc"}, {"id": "-3"}, {"id": "1.5"},
                                  {"id": "\u0663"}], ids=str)
def test_form_id_must_be_a_number(intake: Intake, path: str, form: dict[str, str]) -> None:
    files = {"file": ("a.png", png_bytes(seed=4), "image/png")} if path == "upload" else None
    response = refused(intake, lambda: intake.http.post(
        f"{intake.ispws}/{path}", data=form, files=files, auth=intake.a), 400, 4000)
    if path == "finish":
        assert xml_of(response).tag == "reportDoneResponse"
        assert xml_of(response).findtext("reportId") == "0"


def test_upload_without_a_file(intake: Intake) -> None:
    report_id, _ = open_report(intake)
    refused(intake, lambda: intake.http.post(f"{intake.ispws}/upload",
                                             data={"id": str(report_id), "file": "text"},
                                             auth=intake.a), 400, 4000)


def test_empty_file_is_malformed(intake: Intake) -> None:
    report_id, _ = open_report(intake)
    refused(intake, lambda: intake.upload(report_id, b""), 400, 4200)


def test_unknown_path_and_method_answer_in_xml(intake: Intake) -> None:
    assert code_of(intake.http.get(f"{intake.ispws}/submit", auth=intake.a)) == 4000
    missing = intake.http.get(f"{intake.ispws}/no-such-endpoint", auth=intake.a)
    assert missing.status_code == 404 and code_of(missing) == 4000


# -- sizes (413) -----------------------------------------------------------------------------


def test_oversized_document(intake: Intake) -> None:
    big = report_xml(report_doc(additionalInfo="x" * DOCUMENT_LIMIT))
    refused(intake, lambda: intake.post_xml("submit", big), 413, 4000)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        for start in range(0, len(big), 4096):
            yield big[start:start + 4096]

    refused(intake, lambda: intake.http.post(
        f"{intake.ispws}/submit", content=chunks(), auth=intake.a,
        headers={"Content-Type": "text/xml"}), 413, 4000)
    report_id, file_ids = open_report(intake, files=1)
    details = details_xml(report_id, file_ids[0], additionalInfo=["y" * DOCUMENT_LIMIT])
    refused(intake, lambda: intake.post_xml("fileinfo", details), 413, 4000)


@pytest.mark.parametrize("size", [UPLOAD_LIMIT + 1, UPLOAD_LIMIT + 200 * 1024])
def test_oversized_file(intake: Intake, size: int) -> None:
    report_id, _ = open_report(intake)
    content = bytes(range(256)) * (size // 256 + 1)
    refused(intake, lambda: intake.upload(report_id, content[:size]), 413, 4000)

    def chunks() -> Iterator[bytes]:
        boundary = b"--b0undary\r\n"
        yield boundary + b'Content-Disposition: form-data; name="id"\r\n\r\n'
        yield str(report_id).encode() + b"\r\n" + boundary
        yield b'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
        for start in range(0, size, 8192):
            yield content[start:min(size, start + 8192)]
        yield b"\r\n--b0undary--\r\n"

    refused(intake, lambda: intake.http.post(
        f"{intake.ispws}/upload", content=chunks(), auth=intake.a,
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"}), 413, 4000)


def test_file_at_the_limit_is_accepted(intake: Intake) -> None:
    report_id, _ = open_report(intake)
    content = (bytes(range(256)) * (UPLOAD_LIMIT // 256 + 1))[:UPLOAD_LIMIT]
    response = intake.upload(report_id, content)
    assert code_of(response) == 0, response.text
    assert xml_of(response).findtext("hash") == hashlib.md5(content).hexdigest()


# -- reports and files that do not exist (5001, 5002) ----------------------------------------


def test_report_of_another_reporter_does_not_exist(intake: Intake) -> None:
    theirs = intake.submit(report_xml(), auth=intake.b)
    their_file = intake.upload_ok(theirs, png_bytes(seed=5), auth=intake.b)
    for report_id in (theirs, 987654321, 99999999999999999999):
        refused(intake, lambda r=report_id: intake.upload(r, png_bytes(seed=6)), 404, 5001)
        refused(intake, lambda r=report_id: intake.form("finish", r), 404, 5001)
        refused(intake, lambda r=report_id: intake.form("retract", r), 404, 5001)
    refused(intake, lambda: intake.post_xml("fileinfo", details_xml(theirs, their_file)),
            404, 5001)
    with intake.state.db.sessions() as session:
        report = session.get(Report, theirs)
        assert report is not None and report.status == "open"


def test_unknown_file_in_fileinfo(intake: Intake) -> None:
    report_id, _ = open_report(intake, files=1)
    _, other_files = open_report(intake, files=1)
    for file_id in ("0" * 32, other_files[0]):  # a file of another report is not in this one
        refused(intake, lambda f=file_id: intake.post_xml("fileinfo", details_xml(report_id, f)),
                404, 5002)


# -- closed reports (5101, 5102) -------------------------------------------------------------


def test_retracted_report_is_closed(intake: Intake) -> None:
    report_id, file_ids = open_report(intake, files=1)
    assert code_of(intake.form("retract", report_id)) == 0
    refused(intake, lambda: intake.upload(report_id, png_bytes(seed=7)), 409, 5101)
    refused(intake, lambda: intake.post_xml("fileinfo", details_xml(report_id, file_ids[0])),
            409, 5101)
    refused(intake, lambda: intake.form("finish", report_id), 409, 5101)
    refused(intake, lambda: intake.form("retract", report_id), 409, 5101)


def test_finished_report_is_closed(intake: Intake) -> None:
    report_id, file_ids = open_report(intake, files=1)
    assert code_of(intake.form("finish", report_id)) == 0
    intake.server.wait_processed(report_id)
    refused(intake, lambda: intake.upload(report_id, png_bytes(seed=8)), 409, 5102)
    refused(intake, lambda: intake.post_xml("fileinfo", details_xml(report_id, file_ids[0])),
            409, 5102)
    refused(intake, lambda: intake.form("retract", report_id), 409, 5102)
    again = refused(intake, lambda: intake.form("finish", report_id), 409, 5102)
    # Clients parse every answer to /finish as a reportDoneResponse.
    root = xml_of(again)
    intake.state.schema.validate(root)
    assert root.tag == "reportDoneResponse" and root.findtext("reportId") == str(report_id)
    assert "finished" in again.headers["X-Tipline-Error"]


# -- values the schema allows but the database columns would not hold ------------------------


def test_long_values_are_accepted_on_every_database(intake: Intake) -> None:
    summary = {**report_doc()["incidentSummary"], "platform": "P" * 600}
    party = {**report_doc()["personOrUserReported"][0],
             "profileUrl": ["https://example.test/" + "u" * 1200],
             "ipCaptureEvent": [{"ipAddress": "not-an-address-" + "9" * 100}]}
    body = report_xml(report_doc(incidentSummary=summary, personOrUserReported=[party]))
    long_key = {"Idempotency-Key": "k" * 150}
    response = intake.post_xml("submit", body, headers={
        **long_key, "Content-Type": "text/xml; charset=utf-8" + "; x=y" * 40})
    assert code_of(response) == 0, response.text
    report_id = int(xml_of(response).findtext("reportId") or 0)
    name = "n" * 700 + ".png"
    upload = intake.http.post(f"{intake.ispws}/upload", data={"id": str(report_id)},
                              files={"file": (name, png_bytes(seed=9), "image/" + "p" * 300)},
                              auth=intake.a)
    assert code_of(upload) == 0, upload.text
    file_id = xml_of(upload).findtext("fileId") or ""
    details = details_xml(report_id, file_id, fileName="f" * 700)
    assert code_of(intake.post_xml("fileinfo", details)) == 0
    assert code_of(intake.form("finish", report_id)) == 0
    intake.server.wait_processed(report_id)
    with intake.state.db.sessions() as session:
        job = session.get(PipelineJob, report_id)
        assert job is not None and job.status == "done", job and job.last_error


def test_overlong_idempotency_key_is_refused(intake: Intake) -> None:
    refused(intake, lambda: intake.post_xml("submit", report_xml(),
                                            headers={"Idempotency-Key": "k" * 201}), 400, 4000)


def test_empty_annotation_elements_mean_true(intake: Intake) -> None:
    """`<sextortion/>`: the schema fixes these flags to true, and clients send them empty."""
    body = report_xml().replace(b"<sextortion>true</sextortion>", b"<sextortion/>")
    assert b"<sextortion/>" in body
    report_id = intake.submit(body)
    with intake.state.db.sessions() as session:
        report = session.get(Report, report_id)
        assert report is not None
        assert report.annotations == ["sextortion"]
        assert report.document["incidentSummary"]["reportAnnotations"] == {"sextortion": True}
    # The stored JSON form converts back to a valid document.
    schema = load_schema()
    to_xml_bytes(schema.from_json(report.document, "report"))
