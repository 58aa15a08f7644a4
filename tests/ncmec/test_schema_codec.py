from __future__ import annotations

import pytest

from tipline.ncmec.schema import SchemaError, load_schema, parse_xml, to_xml_bytes

from factories import report_doc, report_xml


def test_json_and_xml_round_trip() -> None:
    schema = load_schema()
    doc = report_doc()
    element = schema.parse(report_xml(doc), "report")
    assert schema.to_json(element) == doc


def test_json_key_order_does_not_matter() -> None:
    schema = load_schema()
    doc = report_doc()
    reordered = dict(reversed(list(doc.items())))
    assert to_xml_bytes(schema.from_json(reordered, "report")) == report_xml(doc)


def test_attributes_and_repeats() -> None:
    schema = load_schema()
    details = {"reportId": 5, "fileId": "abc",
               "originalFileHash": [{"value": "d41d8cd98f00b204e9800998ecf8427e",
                                     "@hashType": "MD5"}]}
    xml = to_xml_bytes(schema.from_json(details, "fileDetails"))
    assert b'<originalFileHash hashType="MD5">d41d8cd98f00b204e9800998ecf8427e' in xml
    assert schema.to_json(schema.parse(xml, "fileDetails")) == details


@pytest.mark.parametrize("bad, fragment", [
    ({"bogus": 1}, "unknown field 'bogus'"),
    ({"incidentSummary": {"incidentType": "Nope", "incidentDateTime": "2026-01-01T00:00:00Z"}},
     "Nope"),
    ({"incidentSummary": {"incidentType": "Child Sex Trafficking",
                          "incidentDateTime": "yesterday"}}, "yesterday"),
    ({"personOrUserReported": {"espIdentifier": ["a", "b"]}}, "not a list"),
])
def test_json_errors_name_the_problem(bad: dict[str, object], fragment: str) -> None:
    doc = {**report_doc(), **bad}
    with pytest.raises(SchemaError) as info:
        load_schema().from_json(doc, "report")
    assert info.value.code == 4100 and fragment in info.value.message


def test_entities_are_refused() -> None:
    attack = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
              b"<report>&x;</report>")
    with pytest.raises(SchemaError) as info:
        parse_xml(attack)
    assert info.value.code == 4110


def test_malformed_xml() -> None:
    with pytest.raises(SchemaError) as info:
        parse_xml(b"<report><incidentSummary></report>")
    assert info.value.code == 4110
