"""Run by test_third_party_client.py under Python 3.13, in a venv holding only `ncmec-cybertip`
(an async CyberTipline client tipline's authors did not write): one whole report, built with the
client's own models, against the tipline server given on the command line.

    python client_script.py BASE_URL USERNAME PASSWORD FILE [FILE ...]

Prints one JSON object with what the client saw.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from ncmec_cybertip import (
    ApiError,
    CyberTiplineClient,
    Email,
    EventName,
    FileAnnotations,
    FileDetails,
    IncidentSummary,
    IncidentType,
    IndustryClassification,
    InternetDetails,
    IpCaptureEvent,
    Person,
    PersonOrUserReported,
    Report,
    ReportAnnotations,
    Reporter,
    WebPageIncident,
    file_hashes,
)


def build_report() -> Report:
    return Report(
        incident_summary=IncidentSummary(
            incident_type=IncidentType.CHILD_PORNOGRAPHY,
            platform="ExampleChat",
            report_annotations=ReportAnnotations(sextortion=True),
            incident_date_time=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        ),
        internet_details=[InternetDetails(
            web_page_incident=WebPageIncident(url=["https://files.example.test/a/1"]))],
        reporter=Reporter(reporting_person=Person(
            first_name="Trust", last_name="Safety", email=[Email(value="safety@example.test")])),
        person_or_user_reported=PersonOrUserReported(
            esp_identifier="user-1001",
            esp_service="ExampleChat",
            screen_name="shadow_fox",
            person=Person(email=[Email(value="Fox@Example.test")]),
            ip_capture_event=[IpCaptureEvent(
                ip_address="198.51.100.23", event_name=EventName.UPLOAD,
                date_time=datetime(2026, 11, 20, 9, 58, tzinfo=UTC), port=443)],
        ),
    )


async def error_code(call: object) -> int | None:
    try:
        await call  # type: ignore[misc]
    except ApiError as exc:
        return exc.response_code
    return None


async def main(base_url: str, username: str, password: str, files: list[Path]) -> dict[str, object]:
    out: dict[str, object] = {}
    async with CyberTiplineClient(username=username, password=password,
                                  base_url=base_url) as client:
        status = await client.status()
        out["status"] = [status.response_code, status.response_description]
        out["xsd_bytes"] = len(await client.get_xsd())

        submitted = await client.submit(build_report())
        report_id = submitted.report_id
        assert report_id is not None
        out["report_id"] = report_id
        uploads = []
        for path in files:
            uploaded = await client.upload(report_id, path)
            uploads.append({"file_id": uploaded.file_id, "hash": uploaded.hash,
                            "name": path.name})
            details = FileDetails(
                report_id=report_id,
                file_id=uploaded.file_id or "",
                original_file_name=path.name,
                file_viewed_by_esp=True,
                publicly_available=False,
                file_annotations=FileAnnotations(generative_ai=True),
                industry_classification=IndustryClassification.B2,
                original_file_hash=file_hashes(path),
            )
            info = await client.file_info(details)
            uploads[-1]["fileinfo"] = info.response_code
        out["uploads"] = uploads

        done = await client.finish(report_id)
        out["finished"] = {"code": done.response_code, "report_id": done.report_id,
                           "file_ids": done.file_ids}
        out["finish_again"] = await error_code(client.finish(report_id))

        other = await client.submit(build_report())
        assert other.report_id is not None
        retracted = await client.retract(other.report_id)
        out["retracted"] = [other.report_id, retracted.response_code]
        out["upload_after_retract"] = await error_code(
            client.upload(other.report_id, files[0]))

    async with CyberTiplineClient(username=username, password="wrong-password-123",
                                  base_url=base_url) as stranger:
        out["wrong_password"] = await error_code(stranger.status())
    return out


if __name__ == "__main__":
    base, user, secret, *paths = sys.argv[1:]
    print(json.dumps(asyncio.run(main(base, user, secret, [Path(p) for p in paths]))))
