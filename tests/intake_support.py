"""Support for the HTTP tests of both intake APIs: a live server shared by a test module (one per
database), snapshots to prove that a refused request stored nothing, and request helpers.

Starting a server, migrating and hashing reporter passwords cost more than most of these tests,
so each module shares one server per database; tests compare row counts before and after
instead of relying on an empty database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy import func, select

from tipline.reports.models import RawDocument, Report, ReportFile
from tipline.state import AppState, build_state

TESTS = Path(__file__).resolve().parent


import support as root  # noqa: E402

PASSWORD: str = root.PASSWORD
add_reporter = root.add_reporter
make_settings = root.make_settings
LiveServer = root.LiveServer

# Small limits so that the 413 paths are cheap to reach; every normal document and test image
# is far below them.
DOCUMENT_LIMIT = 16 * 1024
UPLOAD_LIMIT = 48 * 1024
TABLES = {"reports": Report, "report_files": ReportFile, "raw_documents": RawDocument}


@dataclass
class Intake:
    """A running tipline with two reporters, `a` and `b`."""

    server: Any  # conftest.LiveServer
    state: AppState
    http: httpx.Client
    a: tuple[str, str]
    b: tuple[str, str]

    @property
    def url(self) -> str:
        return str(self.server.url)

    @property
    def ispws(self) -> str:
        return f"{self.server.url}/ispws"

    @property
    def api(self) -> str:
        return f"{self.server.url}/api/v1/reports"

    @property
    def evidence_dir(self) -> Path:
        return self.state.settings.resolved_evidence_dir

    def snapshot(self) -> dict[str, Any]:
        """Row counts of the intake tables and every file under the evidence folder."""
        with self.state.db.sessions() as session:
            counts: dict[str, Any] = {
                name: session.scalar(select(func.count()).select_from(model))
                for name, model in TABLES.items()
            }
        counts["evidence"] = sorted(
            str(p.relative_to(self.evidence_dir)) for p in self.evidence_dir.rglob("*")
            if p.is_file())
        return counts

    # -- the CyberTipline API -------------------------------------------------------------------

    def post_xml(self, path: str, body: bytes, auth: tuple[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(f"{self.ispws}/{path}", content=body, auth=auth or self.a,
                              headers={"Content-Type": "text/xml; charset=utf-8",
                                       **(headers or {})})

    def form(self, path: str, report_id: object, auth: tuple[str, str] | None = None
             ) -> httpx.Response:
        return self.http.post(f"{self.ispws}/{path}", data={"id": str(report_id)},
                              auth=auth or self.a)

    def upload(self, report_id: object, content: bytes, name: str = "image.png",
               auth: tuple[str, str] | None = None) -> httpx.Response:
        return self.http.post(f"{self.ispws}/upload", data={"id": str(report_id)},
                              files={"file": (name, content, "image/png")}, auth=auth or self.a)

    def submit(self, body: bytes, auth: tuple[str, str] | None = None) -> int:
        response = self.post_xml("submit", body, auth)
        assert code_of(response) == 0, response.text
        return int(xml_of(response).findtext("reportId") or 0)

    def upload_ok(self, report_id: int, content: bytes,
                  auth: tuple[str, str] | None = None) -> str:
        response = self.upload(report_id, content, auth=auth)
        assert code_of(response) == 0, response.text
        return xml_of(response).findtext("fileId") or ""


def xml_of(response: httpx.Response) -> etree._Element:
    assert response.headers["content-type"].startswith("application/xml"), response.text
    return etree.fromstring(response.content)


def code_of(response: httpx.Response) -> int:
    return int(xml_of(response).findtext("responseCode") or -1)


def json_error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert "error" in body, body
    error: dict[str, Any] = body["error"]
    return error


def start_intake(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 **overrides: object) -> Iterator[Intake]:
    """Body of a module-scoped fixture parametrised with "sqlite" / "postgresql"."""
    data_dir = tmp_path_factory.mktemp(f"intake-{request.param}")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = data_dir / "tipline.db"
        target.write_bytes(template.read_bytes())
        url = f"sqlite:///{target}"
    else:
        url = request.getfixturevalue("postgres_url")
        root._truncate(url)
    settings = make_settings(url, data_dir, **{
        "max_document_bytes": DOCUMENT_LIMIT, "max_upload_bytes": UPLOAD_LIMIT, **overrides})
    state = build_state(settings)
    a = add_reporter(state, "platform-a")
    b = add_reporter(state, "platform-b")
    server = LiveServer(state)
    server.start()
    with httpx.Client(timeout=30) as http:
        try:
            yield Intake(server, state, http, a, b)
        finally:
            server.stop()
            state.db.dispose()


def details_xml(report_id: int, file_id: str, **fields: Any) -> bytes:
    """A valid `fileDetails` document (built through the schema, so in schema order)."""
    from tipline.ncmec.schema import load_schema, to_xml_bytes

    from factories import file_doc

    doc = {"reportId": report_id, "fileId": file_id, **file_doc(**fields)}
    return to_xml_bytes(load_schema().from_json(doc, "fileDetails"))
