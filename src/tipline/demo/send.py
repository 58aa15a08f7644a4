"""Submit report specs the way reporters' integrations do: over HTTP, through either API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tipline.client import ApiError, JsonClient, NcmecClient, Outcome
from tipline.demo.stream import FileSpec, ReportSpec
from tipline.ncmec.schema import load_schema, to_xml_bytes


@dataclass
class Sent:
    spec: ReportSpec
    outcome: Outcome
    notes: list[str] = field(default_factory=list)

    @property
    def as_expected(self) -> bool:
        return (self.outcome.error_code or 0) == self.spec.expect_code


class Sender:
    """One HTTP connection pool for the whole stream; clients per reporter share it."""

    def __init__(self, base_url: str, run_id: str) -> None:
        self.base_url, self.run_id = base_url, run_id
        self.http = httpx.Client(timeout=60)
        self.report_ids: dict[int, int] = {}  # spec index -> report id, for late uploads

    def close(self) -> None:
        self.http.close()

    def client(self, spec: ReportSpec) -> NcmecClient | JsonClient:
        cls = NcmecClient if spec.api == "ncmec" else JsonClient
        password = spec.password or spec.reporter.password
        return cls(self.base_url, spec.reporter.username, password, http=self.http)

    def send(self, spec: ReportSpec) -> Sent:
        sent = Sent(spec, Outcome(False))
        try:
            sent.outcome = self._send(spec, sent.notes)
        except ApiError as exc:
            sent.outcome = Outcome(False, error_code=exc.code, error=exc.message)
        except (httpx.HTTPError, ValueError) as exc:  # dropped connection, non-JSON answer
            sent.outcome = Outcome(False, error_code=1000, error=f"{type(exc).__name__}: {exc}")
        if sent.outcome.ok and sent.outcome.report_id is not None:
            self.report_ids[spec.index] = sent.outcome.report_id
        return sent

    def _send(self, spec: ReportSpec, notes: list[str]) -> Outcome:
        client = self.client(spec)
        if spec.late_upload_to is not None:
            target = self.report_ids.get(spec.late_upload_to)
            if target is None:
                return Outcome(False, error="the report to upload to was not accepted")
            client.upload(target, spec.files[0].name, spec.files[0].content)
            return Outcome(True, target)  # not reached: the report is finished
        # A fresh key per run: a key names one report for good, and the demo may run again
        # against the same database.
        key = f"{self.run_id}-{spec.key}"
        report_id = self._submit(client, spec, key)
        if spec.retry_submit:
            again = self._submit(client, spec, key)
            notes.append("retry returned the same report" if again == report_id
                         else f"retry created report {again}!")
        for file in spec.files:
            self._upload(client, report_id, file)
        return client.finish(report_id)

    def _submit(self, client: NcmecClient | JsonClient, spec: ReportSpec, key: str) -> int:
        if isinstance(client, NcmecClient):
            body = spec.raw if spec.raw is not None else _report_xml(spec.document)
            return client.submit(body, idempotency_key=key)
        return client.submit(spec.document or {}, idempotency_key=key)

    def _upload(self, client: NcmecClient | JsonClient, report_id: int, file: FileSpec) -> None:
        if isinstance(client, NcmecClient):
            file_id, _md5 = client.upload(report_id, file.name, file.content)
            if file.details is not None:
                doc = {"reportId": report_id, "fileId": file_id, **file.details}
                client.fileinfo(to_xml_bytes(load_schema().from_json(doc, "fileDetails")))
            return
        uploaded = client.upload(report_id, file.name, file.content)
        if file.details is not None:
            client.describe(report_id, uploaded["file_id"], file.details)

    def status(self, spec: ReportSpec, report_id: int) -> dict[str, Any]:
        """The report's status, read as its reporter (reports are private to their reporter)."""
        client = JsonClient(self.base_url, spec.reporter.username, spec.reporter.password,
                            http=self.http)
        return client.status(report_id)


def _report_xml(document: dict[str, Any] | None) -> bytes:
    # A real integration writes its own XML; building it from the JSON form keeps the specs
    # API-neutral. The server validates it again either way.
    return to_xml_bytes(load_schema().from_json(document or {}, "report"))
