"""Property-based fuzzing (hypothesis) of what reporters and partners send: XML and JSON
reports, the four hash-list formats and media files. Whatever the input, the parser answers
with its own clear error (SchemaError, FormatError, a media error code) and never anything
else. CI runs `TIPLINE_FUZZ_EXAMPLES` x 50 inputs per property (default 2 -> 100); a longer
run: `TIPLINE_FUZZ_EXAMPLES=100 pytest tests/fuzz` (see docs/security.md)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tipline.banks.formats import FORMATS
from tipline.banks.formats.streaming import stream_rows
from tipline.banks.records import FormatError
from tipline.hashing.media import hash_media
from tipline.ncmec.schema import CyberTiplineSchema, SchemaError, load_schema, parse_xml

EXAMPLES = 50 * int(os.environ.get("TIPLINE_FUZZ_EXAMPLES", "2"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
SCHEMA: CyberTiplineSchema = load_schema()

# Text with what XML cannot hold: controls, lone surrogates, U+FFFE, emoji.
hostile_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF,
                                     blacklist_categories=()), max_size=40)
numbers = st.one_of(st.integers(min_value=-(2**80), max_value=2**80),
                    st.floats(allow_nan=True, allow_infinity=True))
scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(hostile_text, children, max_size=4)),
    max_leaves=20)
FIELDS = ["incidentSummary", "internetDetails", "reporter", "personOrUserReported",
          "intendedRecipient", "victim", "additionalInfo", "@xmlns"]
# Documents shaped like a report: known field names, hostile values beneath.
reportish = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5)


@FUZZ
@given(st.one_of(json_values, reportish))
def test_json_reports_are_accepted_or_refused_with_a_schema_error(document: Any) -> None:
    try:
        element = SCHEMA.from_json(document, "report")
    except SchemaError:
        return
    json.dumps(SCHEMA.to_json(element))  # what is accepted can be stored


@FUZZ
@given(st.one_of(st.binary(max_size=400), hostile_text.map(
    lambda t: f"<report><incidentSummary>{t}</incidentSummary></report>".encode(
        "utf-8", "surrogatepass"))))
def test_xml_reports_are_accepted_or_refused_with_a_schema_error(body: bytes) -> None:
    with contextlib.suppress(SchemaError):
        SCHEMA.to_json(SCHEMA.parse(body, "report"))


def test_deeply_nested_xml_is_refused() -> None:
    with pytest.raises(SchemaError):
        parse_xml(b"<a>" * 100_000 + b"</a>" * 100_000)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_hash_lists_are_read_or_refused_with_the_line(name: str) -> None:
    @FUZZ
    @given(st.one_of(st.binary(max_size=300),
                     hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                     st.just(b"[" * 50_000), st.just(b"<a>" * 50_000)))
    def read(data: bytes) -> None:
        with contextlib.suppress(FormatError):
            FORMATS[name].read(data)
        with contextlib.suppress(FormatError):
            list(stream_rows(name, io.BytesIO(data), None))

    read()


def _png(width: int, height: int, mode: str) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


@FUZZ
@given(st.one_of(
    st.binary(max_size=2000),
    st.builds(_png, st.integers(1, 64), st.integers(1, 64), st.sampled_from(["RGB", "L", "P"]))
    .flatmap(lambda png: st.tuples(st.just(png), st.integers(0, len(png)), st.binary(max_size=8))
             .map(lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + len(t[2]):]))))
def test_media_decoding_never_raises(data: bytes) -> None:
    media = hash_media(data)  # damaged, truncated or random: an error string, never a raise
    assert media.kind in ("image", "video", "other")
    assert media.error is None or media.pdq == {}
