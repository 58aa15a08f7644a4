from __future__ import annotations

import datetime as dt
from typing import Any

from tipline.reports.normalize import file_facts, report_facts
from tipline.reports.quality import FileView, assess

from factories import report_doc

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def codes(doc: dict[str, Any], files: list[FileView] | None = None) -> set[str]:
    return {i.code for i in assess(report_facts(doc), doc, files or [], NOW).issues}


def described(file_id: str = "f1", **fields: Any) -> FileView:
    details = {"fileViewedByEsp": True, "industryClassification": "A1", **fields}
    return FileView(file_id, True, file_facts(details))


def test_a_complete_report_scores_100() -> None:
    result = assess(report_facts(report_doc()), report_doc(), [described()], NOW)
    assert result.issues == [] and result.score == 100


def test_future_incident_time() -> None:
    doc = report_doc()
    doc["incidentSummary"]["incidentDateTime"] = "2027-01-01T00:00:00Z"
    assert "incident_time_future" in codes(doc)


def test_no_ip_capture_events() -> None:
    doc = report_doc()
    del doc["personOrUserReported"][0]["ipCaptureEvent"]
    assert "no_ip_capture_event" in codes(doc)


def test_upload_without_ip_event() -> None:
    doc = report_doc()
    doc["personOrUserReported"][0]["ipCaptureEvent"][0]["eventName"] = "Login"
    assert "upload_without_ip" in codes(doc, [described()])
    assert "upload_without_ip" not in codes(doc)


def test_file_level_upload_event_counts() -> None:
    doc = report_doc()
    doc["personOrUserReported"][0]["ipCaptureEvent"][0]["eventName"] = "Login"
    view = described(ipCaptureEvent={"ipAddress": "192.0.2.4", "eventName": "Upload",
                                     "dateTime": "2026-11-20T09:00:00Z"})
    assert "upload_without_ip" not in codes(doc, [view])


def test_files_never_described() -> None:
    assert "file_not_described" in codes(report_doc(), [FileView("f1", False, None)])


def test_ip_problems() -> None:
    doc = report_doc()
    doc["personOrUserReported"][0]["ipCaptureEvent"] = [
        {"ipAddress": "not-an-ip"},
        {"ipAddress": "10.1.2.3", "eventName": "Upload", "dateTime": "2026-11-20T09:00:00Z"},
        {"ipAddress": "192.0.2.1", "eventName": "Login"},
        {"ipAddress": "192.0.2.2", "dateTime": "2030-01-01T00:00:00Z"},
    ]
    found = codes(doc)
    assert {"ip_invalid", "ip_not_public", "ip_time_missing", "ip_time_future"} <= found


def test_unidentifiable_reported_person() -> None:
    doc = report_doc(personOrUserReported=[{"displayName": ["someone"]}])
    assert "reported_person_unidentifiable" in codes(doc)
    assert "no_reported_person" in codes(report_doc(personOrUserReported=[]))


def test_unviewed_and_unclassified_files() -> None:
    view = FileView("f1", True, file_facts({}))
    found = codes(report_doc(), [view])
    assert {"file_viewed_unknown", "file_unclassified"} <= found


def test_score_falls_with_severity() -> None:
    doc = report_doc()
    doc["incidentSummary"]["incidentDateTime"] = "2027-01-01T00:00:00Z"
    bad = assess(report_facts(doc), doc, [FileView("f1", False, None)], NOW)
    assert bad.score < 100 - 20
    assert all(i.message for i in bad.issues)
