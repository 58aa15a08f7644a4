"""A file whose content is not what its name or declared type says is flagged to the
reporter, and per-file decoding errors appear in the report's status."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tipline.hashing.kinds import content_mismatch

from factories import png_bytes, report_xml
from intake_support import Intake, code_of, details_xml, start_intake

HTML = b"<!DOCTYPE html><html><body>not an image</body></html>"
ZIP = b"PK\x03\x04" + bytes(60)


@pytest.mark.parametrize(("head", "name", "declared", "warning"), [
    (HTML, "photo.jpg", "image/jpeg", "named 'photo.jpg' but the content is an HTML document"),
    (ZIP, "photo.JPG", None, "named 'photo.JPG' but the content is a ZIP archive"),
    (ZIP, "upload", "image/png", "sent as image/png but the content is a ZIP archive"),
    (b"\x89PNG\r\n\x1a\n" + bytes(30), "photo.jpg", None,
     "named 'photo.jpg' but the content is a PNG image"),
    (b"\x89PNG\r\n\x1a\n" + bytes(30), "photo.png", "image/png", None),
    (b"%PDF-1.7", "notes.pdf", "application/pdf", None),  # says what it is: no warning
])
def test_content_is_compared_with_name_and_type(head: bytes, name: str, declared: str | None,
                                                warning: str | None) -> None:
    assert content_mismatch(head, name, declared) == warning


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def intake(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    yield from start_intake(request, tmp_path_factory)


def test_the_status_shows_each_files_warning_and_decoding_error(intake: Intake) -> None:
    report_id = intake.submit(report_xml())
    sent = {"page.jpg": HTML, "image.png": png_bytes(seed=3)}
    for name, content in sent.items():
        upload = intake.upload(report_id, content, name=name)
        assert code_of(upload) == 0, upload.text
        file_id = upload.text.split("<fileId>")[1].split("</fileId>")[0]
        assert code_of(intake.post_xml("fileinfo", details_xml(report_id, file_id))) == 0
    assert code_of(intake.form("finish", report_id)) == 0
    intake.server.wait_processed(report_id)
    status = intake.http.get(f"{intake.api}/{report_id}", auth=intake.a)
    assert status.status_code == 200, status.text
    files = status.json()["files"]
    assert {f["media_kind"] for f in files} == {"other", "image"}
    flagged = next(f for f in files if f["media_kind"] == "other")
    clean = next(f for f in files if f["media_kind"] == "image")
    assert flagged["content_warning"] == ("named 'page.jpg' but the content is an HTML "
                                          "document")
    assert clean["content_warning"] is None and clean["media_error"] is None
