from __future__ import annotations

import datetime as dt

from tipline.reports.normalize import (
    file_facts,
    normalise_ip,
    normalise_phone,
    parse_datetime,
    report_facts,
)

from factories import report_doc


def test_report_facts_extracts_link_keys() -> None:
    facts = report_facts(report_doc())
    kinds = {(i.role, i.kind, i.value) for i in facts.identifiers}
    assert ("reported", "account", "examplechat|user-1001") in kinds
    assert ("reported", "screen_name", "examplechat|shadow_fox") in kinds
    assert ("reported", "email", "fox@example.test") in kinds
    assert ("reported", "device", "idfa:ab-cd-ef") in kinds
    assert ("incident", "url", "https://files.example.test/a/1") in kinds
    [event] = facts.ip_events
    assert event.ip == "198.51.100.23" and event.event_name == "Upload" and event.port == 443
    assert event.at == dt.datetime(2026, 11, 20, 9, 58, tzinfo=dt.UTC)
    assert facts.annotations == ["sextortion"]


def test_account_keys_are_scoped_by_service() -> None:
    doc = report_doc()
    doc["personOrUserReported"][0]["espService"] = "OtherApp"
    values = {i.value for i in report_facts(doc).identifiers if i.kind == "account"}
    assert values == {"otherapp|user-1001"}


def test_file_facts() -> None:
    facts = file_facts({
        "fileName": "a.jpg", "fileViewedByEsp": False, "industryClassification": "A1",
        "fileAnnotations": {"infant": True, "viral": True},
        "originalFileHash": [{"value": "ABCDEF", "@hashType": "MD5"}],
        "ipCaptureEvent": {"ipAddress": "::ffff:192.0.2.7", "eventName": "Upload"},
    })
    assert facts.viewed_by_reporter is False
    assert facts.annotations == ["infant", "viral"]
    assert facts.original_hashes == [("md5", "abcdef")]
    assert facts.ip_events[0].ip == "192.0.2.7"


def test_helpers() -> None:
    assert normalise_ip(" 2001:DB8::1 ") == "2001:db8::1"
    assert normalise_phone("(555) 010-0199", "+1") == "+15550100199"
    assert normalise_phone("+44 20 7946 0000") == "+442079460000"
    assert parse_datetime("2026-11-20T10:00:00") == dt.datetime(2026, 11, 20, 10,
                                                                 tzinfo=dt.UTC)
    assert parse_datetime("2026-11-20T12:00:00+02:00") == dt.datetime(2026, 11, 20, 10,
                                                                      tzinfo=dt.UTC)
    assert parse_datetime("garbage") is None
