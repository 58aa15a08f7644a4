"""Small HTTP clients for tipline's two intake APIs, used by `tipline submit`, the demo and the
benchmarks. They speak to the server over HTTP exactly as a reporter's integration would."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from lxml import etree


@dataclass
class Outcome:
    """What happened to one report: accepted or rejected, and why."""

    ok: bool
    report_id: int | None = None
    file_ids: list[str] = field(default_factory=list)
    quality: int | None = None
    issues: list[str] = field(default_factory=list)
    error_code: int | None = None
    error: str | None = None


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


def _ncmec_result(response: httpx.Response) -> etree._Element:
    try:
        root = etree.fromstring(response.content)
    except etree.XMLSyntaxError as exc:
        raise ApiError(1000, f"HTTP {response.status_code}: not XML", response.status_code) \
            from exc
    code = int(root.findtext("responseCode") or 1000)
    if code != 0:
        # A reportDoneResponse (the answer to /finish) has no description; tipline sends a header.
        message = root.findtext("responseDescription") or response.headers.get(
            "X-Tipline-Error", "")
        raise ApiError(code, message, response.status_code)
    return root


class NcmecClient:
    """A client of the CyberTipline-compatible API (`/ispws`)."""

    def __init__(self, base_url: str, username: str, password: str,
                 http: httpx.Client | None = None) -> None:
        self.base = base_url.rstrip("/") + "/ispws"
        self.http = http or httpx.Client(timeout=60)
        self.auth = (username, password)

    def submit(self, report_xml: bytes, idempotency_key: str | None = None) -> int:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        r = self.http.post(f"{self.base}/submit", content=report_xml, headers=headers,
                           auth=self.auth)
        return int(_ncmec_result(r).findtext("reportId") or 0)

    def upload(self, report_id: int, name: str, content: bytes) -> tuple[str, str]:
        r = self.http.post(f"{self.base}/upload", data={"id": str(report_id)},
                           files={"file": (name, content)}, auth=self.auth)
        root = _ncmec_result(r)
        return root.findtext("fileId") or "", root.findtext("hash") or ""

    def fileinfo(self, details_xml: bytes) -> None:
        r = self.http.post(f"{self.base}/fileinfo", content=details_xml,
                           headers={"Content-Type": "text/xml; charset=utf-8"}, auth=self.auth)
        _ncmec_result(r)

    def finish(self, report_id: int) -> Outcome:
        r = self.http.post(f"{self.base}/finish", data={"id": str(report_id)}, auth=self.auth)
        root = _ncmec_result(r)
        issues = [i for i in r.headers.get("X-Tipline-Quality-Issues", "").split(",") if i]
        return Outcome(True, report_id, [e.text or "" for e in root.iter("fileId")],
                       int(r.headers.get("X-Tipline-Quality-Score", "0")), issues)

    def retract(self, report_id: int) -> None:
        _ncmec_result(self.http.post(f"{self.base}/retract", data={"id": str(report_id)},
                                     auth=self.auth))


def file_details_xml(report_id: int, file_id: str, fields: dict[str, Any]) -> bytes:
    """A `fileDetails` document; `fields` must be given in schema order."""
    root = etree.Element("fileDetails")
    etree.SubElement(root, "reportId").text = str(report_id)
    etree.SubElement(root, "fileId").text = file_id
    for name, value in fields.items():
        element = etree.SubElement(root, name)
        element.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


class JsonClient:
    """A client of the JSON intake API (`/api/v1/reports`)."""

    def __init__(self, base_url: str, username: str, password: str,
                 http: httpx.Client | None = None) -> None:
        self.base = base_url.rstrip("/") + "/api/v1/reports"
        self.http = http or httpx.Client(timeout=60)
        self.auth = (username, password)

    def _json(self, response: httpx.Response) -> Any:
        body = response.json()
        if response.status_code >= 400:
            error = body.get("error", {})
            raise ApiError(error.get("code", 1000), error.get("message", ""),
                           response.status_code)
        return body

    def submit(self, report: dict[str, Any], idempotency_key: str | None = None) -> int:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        r = self.http.post(self.base, content=json.dumps(report),
                           headers={"Content-Type": "application/json", **headers},
                           auth=self.auth)
        return int(self._json(r)["report_id"])

    def upload(self, report_id: int, name: str, content: bytes) -> dict[str, Any]:
        r = self.http.post(f"{self.base}/{report_id}/files", files={"file": (name, content)},
                           auth=self.auth)
        result: dict[str, Any] = self._json(r)
        return result

    def describe(self, report_id: int, file_id: str, details: dict[str, Any]) -> None:
        self._json(self.http.put(f"{self.base}/{report_id}/files/{file_id}",
                                 content=json.dumps(details),
                                 headers={"Content-Type": "application/json"}, auth=self.auth))

    def finish(self, report_id: int) -> Outcome:
        body = self._json(self.http.post(f"{self.base}/{report_id}/finish", auth=self.auth))
        quality = body["quality"]
        return Outcome(True, report_id, body["files"], quality["score"],
                       [i["code"] for i in quality["issues"]])

    def status(self, report_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self._json(self.http.get(f"{self.base}/{report_id}",
                                                          auth=self.auth))
        return result


def submit_path(client: NcmecClient | JsonClient, document: Path,
                files: list[Path]) -> Outcome:
    """Submit one report document (XML or JSON) with its files, describing each file by name."""
    try:
        if isinstance(client, NcmecClient):
            report_id = client.submit(document.read_bytes())
            for path in files:
                file_id, _md5 = client.upload(report_id, path.name, path.read_bytes())
                client.fileinfo(file_details_xml(report_id, file_id,
                                                 {"originalFileName": path.name}))
        else:
            report_id = client.submit(json.loads(document.read_text()))
            for path in files:
                uploaded = client.upload(report_id, path.name, path.read_bytes())
                client.describe(report_id, uploaded["file_id"], {"originalFileName": path.name})
        return client.finish(report_id)
    except ApiError as exc:
        return Outcome(False, error_code=exc.code, error=exc.message)
