"""Bank interchange formats: round trips, tolerated variants and refused input.

All hashes are random hex made here: no real list, no real media.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import random

import pytest

from tipline.banks.formats import FORMATS, detect, hma
from tipline.banks.formats.validate import normalise_hash
from tipline.banks.records import FormatError, HashRecord

WHEN = dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC)


def hexs(rng: random.Random, n_bytes: int) -> str:
    return rng.randbytes(n_bytes).hex()


def media(rng: random.Random, item: str, **shared: object) -> list[HashRecord]:
    """The records of one synthetic file: md5, sha1, photodna, pdq, sharing provenance."""
    return [HashRecord(signal_type=t, value=hexs(rng, n), item=item, **shared)  # type: ignore[arg-type]
            for t, n in (("md5", 16), ("sha1", 20), ("photodna", 144), ("pdq", 32))]


# --- CSV ---------------------------------------------------------------------------------------

def csv_records() -> list[HashRecord]:
    rng = random.Random(1)
    return [
        HashRecord("md5", hexs(rng, 16), {"industry": "A1", "project_vic": "1"}, ("DE", "FR"),
                   "Hotline X", "list-7", WHEN, 'said "twice", then, again', "17", "image"),
        HashRecord("pdq", hexs(rng, 32)),
        HashRecord("photodna", hexs(rng, 144), {"uk": "B"}, ("GB",)),
        HashRecord("vendor", "netclean:" + hexs(rng, 20), note="line one\nline two"),
        HashRecord("vpdq", "0," + hexs(rng, 32) + ",100,0.000", content_type="video"),
    ]


def test_csv_round_trip() -> None:
    records = csv_records()
    data = FORMATS["csv"].write(records)
    assert FORMATS["csv"].read(data) == records
    assert FORMATS["csv"].write(FORMATS["csv"].read(data)) == data


def test_csv_tolerates_bom_crlf_case_and_missing_columns() -> None:
    md5 = "AB" * 16
    data = (b"\xef\xbb\xbfSignal_Type,Value,jurisdictions\r\n"
            b"MD5, " + md5.encode() + b" ,de;FR\r\n\r\n")
    expected = HashRecord("md5", md5.lower(), jurisdictions=("DE", "FR"))
    assert FORMATS["csv"].read(data) == [expected]


@pytest.mark.parametrize(("data", "where", "words"), [
    (b"signal_type,value\nmd5,abc\n", "line 2", "32 hex"),
    (b"signal_type,value\nmd5," + b"a" * 32 + b"\nsha1,zz\n", "line 3", "40 hex"),
    (b"signal_type,value\nmd4," + b"a" * 32 + b"\n", "line 2", "unknown signal type"),
    (b"signal_type,value,industry\nmd5," + b"a" * 32 + b",C3\n", "line 2", "industry"),
    (b"signal_type,value,jurisdictions\nmd5," + b"a" * 32 + b",DE;XX\n", "line 2", "ISO 3166"),
    (b"signal_type,value,contributed_at\nmd5," + b"a" * 32 + b",2024-01-01T00:00\n", "line 2",
     "time zone"),
    (b"signal_type,value\nmd5\n", "line 2", "1 cells"),
    (b"signal_type,valeu\n", "line 1", "unknown column"),
    (b"signal_type\n", "line 1", "missing column"),
    (b"", "line 1", "empty"),
    (b'signal_type,value,note\nmd5,' + b"a" * 32 + b',"unterminated\n', "line 2", "CSV"),
    ("signal_type,value,note\nmd5,{},café\n".format("a" * 32).encode("latin-1"), "line 2",
     "UTF-8"),
    ("signal_type,value\n".encode("utf-16"), "file", "UTF-16"),
    ("signal_type,value\n".encode("utf-16-le"), "line 1", "NUL"),
])
def test_csv_bad_input_names_the_line(data: bytes, where: str, words: str) -> None:
    with pytest.raises(FormatError) as caught:
        FORMATS["csv"].read(data)
    assert caught.value.where == where
    assert words in caught.value.message


# --- VICS --------------------------------------------------------------------------------------

def vics_records() -> list[HashRecord]:
    rng = random.Random(2)
    case = {"contributor": "Agency Y", "source_list": "CASE-2024-1", "contributed_at": WHEN}
    return [
        *media(rng, "1", classifications={"project_vic": "1"}, note="series z", **case),
        *media(rng, "2", classifications={"project_vic": "2"}, **case),
        HashRecord("md5", hexs(rng, 16), item="3", contributor="Agency Y",
                   source_list="CASE-2024-1"),
        HashRecord("sha256", hexs(rng, 32), item="3", contributor="Agency Y",
                   source_list="CASE-2024-1"),
        HashRecord("vendor", "f1:" + hexs(rng, 8), item="3", contributor="Agency Y",
                   source_list="CASE-2024-1"),
    ]


def test_vics_round_trip_cases() -> None:
    records = vics_records()
    data = FORMATS["vics"].write(records)
    doc = json.loads(data)
    assert doc["@odata.context"].endswith("$metadata#Cases")
    media0 = doc["value"][0]["Media"][0]
    assert media0["MD5"] == records[0].value.upper() and media0["Category"] == 1
    assert len(base64.b64decode(media0["PhotoDNA"])) == 144
    assert {"HashName": "PDQ", "HashValue": records[3].value} in media0["AlternativeHashes"]
    assert FORMATS["vics"].read(data) == records
    assert FORMATS["vics"].write(FORMATS["vics"].read(data)) == data


def test_vics_round_trip_hash_set() -> None:
    records = media(random.Random(3), "40", classifications={"project_vic": "0"})
    data = FORMATS["vics"].write(records)
    assert json.loads(data)["@odata.context"].endswith("$metadata#Media")
    assert FORMATS["vics"].read(data) == records


def test_vics_tolerates_bom_string_numbers_and_booleans() -> None:
    rng = random.Random(4)
    md5, sha1, pdna, pdq = hexs(rng, 16), hexs(rng, 20), rng.randbytes(144), hexs(rng, 32)
    doc = {
        "@odata.context":
            "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
        "value": [
            {"MediaID": "12", "Category": "1", "MD5": md5.upper(), "SHA1": sha1.upper(),
             "IsPrecategorized": "True", "VictimIdentified": "false", "IsDistributed": "true",
             "MediaSize": "2835", "DateUpdated": "2023-06-07T02:31:49.8300Z",
             "AlternativeHashes": [
                 {"HashName": "PhotoDNA", "HashValue": base64.b64encode(pdna).decode()},
                 {"HashName": "PDQ", "HashValue": pdq.upper()}]},
            {"MD5": "00" * 16, "SHA1": "", "Category": None, "MediaID": 13},
        ],
    }
    data = b"\xef\xbb\xbf" + json.dumps(doc).encode()
    records = FORMATS["vics"].read(data)
    assert [(r.signal_type, r.value) for r in records] == [
        ("md5", md5), ("sha1", sha1), ("photodna", pdna.hex()), ("pdq", pdq), ("md5", "00" * 16)]
    assert records[0].classifications == {"project_vic": "1"} and records[0].item == "12"
    assert records[0].contributed_at == dt.datetime(2023, 6, 7, 2, 31, 49, 830000, dt.UTC)
    assert records[-1].classifications == {} and records[-1].item == "13"


def test_vics_other_region_keeps_category_in_note() -> None:
    doc = {"@odata.context": "http://x/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media",
           "value": [{"MD5": "ab" * 16, "Category": 2}]}
    [record] = FORMATS["vics"].read(json.dumps(doc).encode())
    assert record.classifications == {} and record.note == "VICS UK Category 2"
    assert record.item == "ab" * 16  # no MediaID: the MD5 is the key


def _vics(*media_items: object) -> bytes:
    return json.dumps({"@odata.context": "http://x/DataModels/2.0.xml/US/$metadata#Cases",
                       "value": [{"CaseID": "c", "Media": list(media_items)}]}).encode()


@pytest.mark.parametrize(("data", "where", "words"), [
    (_vics({"MediaID": 5, "SHA1": "ab" * 20}), "case 1 media 1 (MediaID 5)", "missing MD5"),
    (_vics({"MD5": "ab" * 16}, {"MediaID": 9, "MD5": "xyz"}), "case 1 media 2 (MediaID 9)",
     "32 hex"),
    (_vics({"MediaID": 3, "MD5": "ab" * 16, "Category": 7}), "case 1 media 1 (MediaID 3)",
     "0-4"),
    (_vics({"MediaID": "x1", "MD5": "ab" * 16}), "case 1 media 1", "MediaID"),
    (_vics({"MediaID": 4, "MD5": "ab" * 16, "PhotoDNA": "AAAA"}), "case 1 media 1 (MediaID 4)",
     "144 bytes"),
    (_vics({"MediaID": 4, "MD5": 12345}), "case 1 media 1 (MediaID 4)", "text"),
    (b'{"@odata.context": "x", "value": [{"MD5": "a', "line 1 column 43", "JSON"),
    (b'[1, 2]', "file", "'value'"),
    (b'{"value": []}', "file", "@odata.context"),
    (json.dumps({"@odata.context": "x", "value": [{"MD5": "ab" * 16}]}).encode("utf-16"),
     "file", "UTF-16"),
])
def test_vics_bad_input_names_the_media(data: bytes, where: str, words: str) -> None:
    with pytest.raises(FormatError) as caught:
        FORMATS["vics"].read(data)
    assert caught.value.where == where
    assert words in caught.value.message


def test_vics_write_refuses_media_without_md5() -> None:
    with pytest.raises(FormatError, match="exactly one md5"):
        FORMATS["vics"].write([HashRecord("pdq", "ab" * 32, item="1")])


# --- NCMEC -------------------------------------------------------------------------------------

NS = "https://hashsharing.ncmec.org/hashsharing/v2"


def ncmec_records() -> list[HashRecord]:
    rng = random.Random(5)
    esp = {"contributor": "Example ESP (NCMEC member 42)", "contributed_at": WHEN}
    return [
        *media(rng, "image1", classifications={"industry": "A1"}, content_type="image", **esp),
        # NCMEC lists images before videos, so the order here is the order of the file
        HashRecord("md5", hexs(rng, 16), note="NCMEC classification E", item="image2",
                   content_type="image"),
        HashRecord("md5", hexs(rng, 16), {"industry": "B2"}, item="video1", content_type="video",
                   **esp),  # type: ignore[arg-type]
        HashRecord("tmk_pdqf", hexs(rng, 64), {"industry": "B2"}, item="video1",
                   content_type="video", **esp),  # type: ignore[arg-type]
        HashRecord("vendor", "netclean:" + hexs(rng, 20), {"industry": "B2"}, item="video1",
                   content_type="video", **esp),  # type: ignore[arg-type]
    ]


def test_ncmec_round_trip() -> None:
    records = ncmec_records()
    data = FORMATS["ncmec"].write(records)
    assert b"<tmk-pdqf>" in data and b'<member id="42">Example ESP</member>' in data
    assert FORMATS["ncmec"].read(data) == records
    assert FORMATS["ncmec"].write(FORMATS["ncmec"].read(data)) == data


def test_ncmec_reads_the_api_shape() -> None:
    md5, sha1 = "a1" * 16, "b2" * 20
    data = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<queryResult xmlns="{NS}">
  <images count="2" maxTimestamp="2017-10-24T15:10:00Z">
    <image>
      <member id="42">Example Member</member>
      <timestamp>2017-10-24T15:00:00Z</timestamp>
      <id>image1</id>
      <classification>A2</classification>
      <fingerprints><md5>{md5.upper()}</md5><sha1>{sha1}</sha1></fingerprints>
      <feedback lastUpdateTimestamp="2023-06-01T12:48:14Z"/>
    </image>
    <deletedImage><member id="43">Other</member><id>image4</id></deletedImage>
  </images>
  <videos count="1" maxTimestamp="2019-11-24T15:10:00Z">
    <video>
      <member id="101">TX Example</member><id>largetags</id>
      <fingerprints><md5>{md5}</md5><tmk-pdqf rel="self" href="/v2/entries/1/x"/></fingerprints>
    </video>
  </videos>
  <paging><next>/v2/entries?start=2001&amp;size=1000&amp;max=3000</next></paging>
</queryResult>""".encode()
    records = FORMATS["ncmec"].read(data)
    assert [(r.signal_type, r.value, r.item, r.content_type) for r in records] == [
        ("md5", md5, "image1", "image"), ("sha1", sha1, "image1", "image"),
        ("md5", md5, "largetags", "video")]
    assert records[0].classifications == {"industry": "A2"}
    assert records[0].contributor == "Example Member (NCMEC member 42)"
    assert records[0].contributed_at == dt.datetime(2017, 10, 24, 15, tzinfo=dt.UTC)
    assert records[2].classifications == {} and records[2].contributed_at is None


def _ncmec(entries: str) -> bytes:
    return f'<queryResult xmlns="{NS}"><images>{entries}</images></queryResult>'.encode()


@pytest.mark.parametrize(("data", "where", "words"), [
    (_ncmec("<image><id>e1</id><fingerprints><md5>12</md5></fingerprints></image>"),
     "image entry e1 <md5>", "32 hex"),
    (_ncmec("<image><id>e2</id><fingerprints><pdna>zz</pdna></fingerprints></image>"),
     "image entry e2 <pdna>", "photodna"),
    (_ncmec("<image><fingerprints/></image>"), "image #1", "no <id>"),
    (_ncmec("<image><id>e3</id></image>"), "image entry e3", "no <fingerprints>"),
    (_ncmec(f"<image><id>e4</id><fingerprints><md5>{'a' * 32}</md5><md5>{'b' * 32}</md5>"
            "</fingerprints></image>"), "image entry e4", "two <md5>"),
    (_ncmec("<image><id>e5</id><timestamp>yesterday</timestamp><fingerprints>"
            f"<md5>{'a' * 32}</md5></fingerprints></image>"), "image entry e5", "ISO 8601"),
    (_ncmec("<video/>"), "images element 1", "unexpected <video>"),
    (f'<queryResult xmlns="{NS}"><images><image><id>x</id>'.encode(), "document",
     "not well-formed"),
    (b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY e "x">]><queryResult>&e;</queryResult>',
     "document", "DOCTYPE"),
    (b"<status/>", "document", "queryResult"),
])
def test_ncmec_bad_input_names_the_entry(data: bytes, where: str, words: str) -> None:
    with pytest.raises(FormatError) as caught:
        FORMATS["ncmec"].read(data)
    assert caught.value.where == where
    assert words in caught.value.message


def test_ncmec_write_refuses_what_it_cannot_carry() -> None:
    with pytest.raises(FormatError, match="no sha256"):
        FORMATS["ncmec"].write([HashRecord("sha256", "ab" * 32)])


# --- HMA / python-threatexchange ---------------------------------------------------------------

def hma_records() -> list[HashRecord]:
    rng = random.Random(6)
    return [
        HashRecord("pdq", hexs(rng, 32), {"industry": "A1", "project_vic": "1"}, ("DE", "NL"),
                   source_list="NCMEC_EXCHANGE", note="reviewed twice"),
        HashRecord("md5", hexs(rng, 16), content_type="video"),
        HashRecord("sha256", hexs(rng, 32), source_list="SAMPLE"),
        HashRecord("photodna", hexs(rng, 144)),
    ]


def test_hma_round_trip() -> None:
    records = hma_records()
    data = FORMATS["hma"].write(records)
    lines = data.decode().splitlines()
    assert lines[0] == "signal_type,signal_str,collab,category,tags"
    assert lines[2].startswith("video_md5,") and ",POSITIVE_CLASS," in lines[2]
    assert FORMATS["hma"].read(data) == records
    assert FORMATS["hma"].write(FORMATS["hma"].read(data)) == data


def test_hma_reads_pytx_signal_lines() -> None:
    pdq, md5 = "ab" * 32, "cd" * 16
    data = f"# exported\npdq {pdq}\n\nvideo_md5 {md5.upper()}\n".encode()
    assert FORMATS["hma"].read(data) == [
        HashRecord("pdq", pdq), HashRecord("md5", md5, content_type="video")]


def test_hma_negative_lists_and_polarity() -> None:
    records = hma_records()[:2]
    data = hma.write(records, category="NEGATIVE_CLASS")
    assert hma.polarity(data) == "negative" and FORMATS["hma"].read(data) == records
    assert hma.polarity(FORMATS["hma"].write(records)) == "positive"


@pytest.mark.parametrize(("rows", "where", "words"), [
    ("pdq,12,,POSITIVE_CLASS,", "entry 1 (line 2)", "64 hex"),
    (f"pdq,{'a' * 64},,POSITIVE_CLASS,\nurl,http://x,,POSITIVE_CLASS,", "entry 2 (line 3)",
     "not a media hash"),
    (f"pdq,{'a' * 64},,DISPUTED,", "entry 1 (line 2)", "DISPUTED"),
    (f"pdq,{'a' * 64},,POSITIVE_CLASS,\npdq,{'b' * 64},,NEGATIVE_CLASS,", "entry 2 (line 3)",
     "split the file"),
    (f"pdq,{'a' * 64},,POSITIVE_CLASS,industry:Z9", "entry 1 (line 2)", "industry"),
    (f"pdq,{'a' * 64},,POSITIVE_CLASS,jurisdiction:QQ", "entry 1 (line 2)", "ISO 3166"),
    (f"pdq,{'a' * 64},POSITIVE_CLASS", "entry 1 (line 2)", "3 cells"),
])
def test_hma_bad_input_names_the_entry(rows: str, where: str, words: str) -> None:
    data = ("signal_type,signal_str,collab,category,tags\n" + rows + "\n").encode()
    with pytest.raises(FormatError) as caught:
        FORMATS["hma"].read(data)
    assert caught.value.where == where
    assert words in caught.value.message


def test_hma_signal_line_with_unknown_type() -> None:
    with pytest.raises(FormatError) as caught:
        FORMATS["hma"].read(b"pdq " + b"a" * 64 + b"\nraw_text hello\n")
    assert caught.value.where == "entry 2 (line 2)"


# --- validation and detection ------------------------------------------------------------------

def test_photodna_spellings_normalise_to_one() -> None:
    raw = random.Random(7).randbytes(144)
    spellings = [raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode(),
                 ",".join(str(b) for b in raw)]
    assert {normalise_hash("photodna", s, "x") for s in spellings} == {raw.hex()}


def test_unknown_type_names_the_record() -> None:
    with pytest.raises(FormatError) as caught:
        normalise_hash("phash", "ab", "record 3")
    assert caught.value.where == "record 3"


@pytest.mark.parametrize("name", list(FORMATS))
def test_detect_recognises_each_format(name: str) -> None:
    records = {"csv": csv_records, "vics": vics_records, "ncmec": ncmec_records,
               "hma": hma_records}[name]()
    data = FORMATS[name].write(records)
    assert detect(data, "export.bin") == name
    assert detect(b"\xef\xbb\xbf" + data, "") == name


def test_detect_by_extension_and_failure() -> None:
    assert detect("x".encode("utf-16"), "list.csv") == "csv"
    with pytest.raises(FormatError):
        detect(b"\x00\x01", "blob.bin")


# --- fuzz-ish: damaged files raise FormatError, never anything else ----------------------------

SAMPLES = {"csv": csv_records, "vics": vics_records, "ncmec": ncmec_records, "hma": hma_records}


@pytest.mark.parametrize("name", list(FORMATS))
def test_truncated_files_raise_format_error_only(name: str) -> None:
    data = FORMATS[name].write(SAMPLES[name]())
    rng = random.Random(100)
    cuts = sorted({rng.randrange(len(data)) for _ in range(300)})
    for cut in cuts:
        piece = data[:cut]
        try:
            records = FORMATS[name].read(piece)
        except FormatError:
            continue
        # Line-based formats can end cleanly at a line (or inside a free-text cell); the
        # structured ones cannot, unless only trailing whitespace was cut.
        assert name in ("csv", "hma") or piece.strip() == data.strip(), (name, cut)
        assert len(records) <= len(SAMPLES[name]())


@pytest.mark.parametrize("name", list(FORMATS))
def test_mutated_files_raise_format_error_only(name: str) -> None:
    data = FORMATS[name].write(SAMPLES[name]())
    rng = random.Random(200)
    for _ in range(300):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        with contextlib.suppress(FormatError):
            FORMATS[name].read(bytes(damaged))


def test_vics_fields_of_the_wrong_json_type_raise_format_error_only() -> None:
    rng = random.Random(300)
    odd: list[object] = [None, True, 0, -1, 2.5, 10**30, "", "x", "true", [], {}, [1], {"a": 1}]
    doc = json.loads(FORMATS["vics"].write(vics_records()))
    for _ in range(300):
        case = json.loads(json.dumps(doc))
        target = rng.choice(case["value"][0]["Media"])
        key = rng.choice([*target, "AlternativeHashes"])
        target[key] = rng.choice(odd)
        if rng.random() < 0.3:
            case["value"][0][rng.choice(["Media", "CaseNumber", "ContactOrganization"])] = \
                rng.choice(odd)
        with contextlib.suppress(FormatError):
            FORMATS["vics"].read(json.dumps(case).encode())
