"""The synthetic report stream: deterministic, linked like real report streams (shared
accounts, IPs, re-posted images), and valid or broken exactly as labelled."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import Counter

import pytest

from tipline.demo.stream import CAST, FAULTS, ReportSpec, generate_reports, links
from tipline.ncmec.schema import load_schema

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
DOC_NETS = [ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


@pytest.fixture(scope="module")
def stream() -> list[ReportSpec]:
    return generate_reports(40, now=NOW)


def test_same_arguments_give_the_same_stream() -> None:
    first, again = generate_reports(20, seed=3, now=NOW), generate_reports(20, seed=3, now=NOW)
    assert first == again
    assert [f.content for s in first for f in s.files] == \
        [f.content for s in again for f in s.files]
    other = generate_reports(20, seed=4, now=NOW)
    assert [f.content for s in other for f in s.files] != \
        [f.content for s in first for f in s.files]


def test_valid_reports_follow_the_schema_broken_ones_are_labelled(stream: list[ReportSpec]) -> None:
    schema = load_schema()
    specs = stream
    assert len(specs) == 40 and specs[0].expect_code == 0
    assert Counter(s.expect_code for s in specs if s.expect_code) == \
        Counter(code for _, _, code, _ in FAULTS)
    for spec in specs:
        if spec.expect_code == 0:
            assert spec.document is not None
            schema.from_json(spec.document, "report")
            for file in spec.files:
                if file.details is not None:
                    schema.from_json({"reportId": 1, "fileId": "0" * 32, **file.details},
                                     "fileDetails")
    assert {s.api for s in specs if s.expect_code == 0} == {"ncmec", "json"}
    assert any(s.retry_submit for s in specs)


def test_broken_xml_is_refused_by_the_schema(stream: list[ReportSpec]) -> None:
    schema = load_schema()
    for spec in stream:
        if spec.raw is not None:
            try:
                schema.parse(spec.raw, "report")
            except ValueError:
                continue
            raise AssertionError(f"{spec.label} was accepted")


def test_images_recur_as_edited_copies_across_reports(stream: list[ReportSpec]) -> None:
    specs = stream
    found = links(specs)
    assert len(found.images) >= 3
    variants = {v for uses in found.images.values() for _, v in uses}
    assert "original" in variants and len(variants - {"original"}) >= 5
    for file in (f for s in specs for f in s.files):
        assert file.content[:3] == b"\xff\xd8\xff"  # JPEG


def test_accounts_share_emails_and_ips_from_documentation_ranges(stream: list[ReportSpec]) -> None:
    specs = stream
    found = links(specs)
    assert found.ips and found.emails
    handles = Counter(h for s in specs for h in s.accounts)
    assert len(handles) == len(CAST) and max(handles.values()) >= 3
    for spec in specs:
        for person in (spec.document or {}).get("personOrUserReported", []):
            for event in person.get("ipCaptureEvent", []):
                address = ipaddress.ip_address(event["ipAddress"])
                assert any(address in net for net in DOC_NETS) or address.is_private


def test_quality_flaws_appear_even_in_a_short_stream() -> None:
    labels = {s.label for s in generate_reports(12, now=NOW)}
    assert {"no ip", "undescribed file", "future date"} & labels
    assert len({s.expect_code for s in generate_reports(12, now=NOW)}) >= 4
