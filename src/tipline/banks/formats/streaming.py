"""Streaming readers of the four bank formats: a binary file in, records out one at a time,
so an import holds one chunk of records whatever the file's size. They apply the same checks
as the whole-file readers (`FORMATS[name].read`), item by item, and raise `FormatError` naming
the line, entry or Media; the import then stores nothing.

VICS streams one `value` item at a time (a Media, or a Case with its Media list). NCMEC XML is
read with `iterparse`, each entry dropped once read. CSV and HMA lists are read line by line.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

import ijson
from lxml import etree

from tipline.banks.formats import csvfmt, hma, ncmec, vics
from tipline.banks.formats.validate import HEX_LENGTHS, validate_record
from tipline.banks.records import FormatError, HashRecord
from tipline.banks.rules import Row, staging_row

Stream = Callable[[IO[bytes]], Iterator[HashRecord]]
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LOWER_HEX = re.compile(r"[0-9a-f]+")  # a hash already in normal form
_SEEN_LIMIT = 10_000  # distinct row descriptions remembered by `hma_rows`


def lines(f: IO[bytes]) -> Iterator[str]:
    """UTF-8 lines without a BOM; UTF-16, NUL bytes and other encodings are refused with the
    line they break on (as `validate.decode_text` does for a whole file)."""
    for number, raw in enumerate(f, 1):
        if number == 1:
            if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise FormatError("file", "the file is UTF-16; save it as UTF-8")
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if b"\x00" in raw:
            raise FormatError(f"line {number}", "NUL byte: the file is not UTF-8 text (UTF-16?)")
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(f"line {number}", f"byte 0x{raw[exc.start]:02x} is not UTF-8 "
                                                "(save the file as UTF-8)") from exc


def _csv(reader: Any) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as exc:
        raise FormatError(f"line {reader.line_num}", f"not valid CSV: {exc}") from exc


def stream_csv(f: IO[bytes]) -> Iterator[HashRecord]:
    reader = csv.reader(lines(f), strict=True)
    rows = _csv(reader)
    header = next(rows, None)
    if header is None:
        raise FormatError("line 1", "the file is empty; expected a header row")
    names = csvfmt._header(header)
    for row in rows:
        where = f"line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise FormatError(where, f"{len(row)} cells, the header has {len(names)}")
        yield csvfmt._record(dict(zip(names, row, strict=True)), where)


def stream_hma(f: IO[bytes], polarity: hma.Polarity | None = None) -> Iterator[HashRecord]:
    """HMA lists; `polarity` is the receiving bank's kind: a row of the other polarity is
    refused (tipline keeps "benign" per bank, not per row)."""
    text = lines(f)
    first = next(text, "")
    if first.lstrip().lower().startswith("signal_type,"):
        parsed = _hma_csv(first, text)
    else:
        parsed = _hma_lines(first, text)
    yield from _checked(parsed, polarity)


def _hma_csv(first: str, text: Iterator[str]) -> Iterator[tuple[HashRecord, hma.Polarity, str]]:
    reader = _hma_reader(first, text)
    for n, row in enumerate(_csv(reader), 1):
        read = _hma_csv_record(row, n, reader.line_num)
        if read is not None:
            yield read


def _hma_reader(first: str, text: Iterator[str]) -> Any:
    if [c.strip().lower() for c in next(csv.reader([first]))] != list(hma.HEADER):
        raise FormatError("line 1", f"header must be {','.join(hma.HEADER)}")
    return csv.reader(text, strict=True)


def _hma_csv_record(row: list[str], n: int, line_num: int
                    ) -> tuple[HashRecord, hma.Polarity, str] | None:
    """One row of an HMA CSV list, checked; None for an empty row."""
    if not any(cell.strip() for cell in row):
        return None
    where = f"entry {n} (line {line_num + 1})"
    if len(row) != len(hma.HEADER):
        raise FormatError(where, f"{len(row)} cells, expected {len(hma.HEADER)}")
    kind, value, collab, category, tags = row
    signal_type, content_type = hma._signal_type(kind, where)
    classifications, jurisdictions, note = hma._tags(tags, where)
    record = HashRecord(signal_type=signal_type, value=value,
                        classifications=classifications, jurisdictions=tuple(jurisdictions),
                        source_list=collab.strip() or None, note=note,
                        content_type=content_type)
    return validate_record(record, where), hma._category(category, where), where


def hma_rows(f: IO[bytes], polarity: hma.Polarity | None = None) -> Iterator[Row]:
    """An HMA list as staging rows (`rules.STAGE_COLUMNS`), with the checks of `stream_hma`.
    A list repeats a few descriptions (type, collaboration, category, tags) over millions of
    hashes, so a row whose description was seen before costs a hash check and a tuple; any
    other row (a new description, a hash not already in normal form, an error) takes the
    full path, which also reports errors exactly as `stream_hma` does."""
    text = lines(f)
    first = next(text, "")
    if not first.lstrip().lower().startswith("signal_type,"):
        yield from (staging_row(r) for r in _checked(_hma_lines(first, text), polarity))
        return
    reader = _hma_reader(first, text)
    seen: dict[tuple[str, ...], tuple[str, int, Row]] = {}
    expected: list[hma.Polarity | None] = [polarity]
    for n, row in enumerate(_csv(reader), 1):
        known = seen.get((row[0], *row[2:])) if len(row) == len(hma.HEADER) else None
        value = row[1]
        if known is not None and len(value) == known[1] and _LOWER_HEX.fullmatch(value):
            yield (known[0], value, *known[2])
            continue
        read = _hma_csv_record(row, n, reader.line_num)
        if read is None:
            continue
        record, pole, where = read
        _check_polarity(expected, pole, where)
        staged = staging_row(record)
        if len(seen) >= _SEEN_LIMIT:  # memory stays bounded whatever the file holds
            seen.clear()
        seen[(row[0], *row[2:])] = (record.signal_type,
                                    HEX_LENGTHS.get(record.signal_type, -1), staged[2:])
        yield staged


def _checked(parsed: Iterator[tuple[HashRecord, hma.Polarity, str]],
             polarity: hma.Polarity | None) -> Iterator[HashRecord]:
    expected: list[hma.Polarity | None] = [polarity]
    for record, pole, where in parsed:
        _check_polarity(expected, pole, where)
        yield record


def _check_polarity(expected: list[hma.Polarity | None], pole: hma.Polarity,
                    where: str) -> None:
    """`expected[0]`: the bank's kind, else the file's first row's."""
    expected[0] = expected[0] or pole
    if pole != expected[0]:
        raise FormatError(where, f"{pole} signal in a {expected[0]} list; import it into a "
                                 f"bank of its polarity (a {pole} bank)")


def _hma_lines(first: str, text: Iterator[str]
               ) -> Iterator[tuple[HashRecord, hma.Polarity, str]]:
    n = 0
    for number, line in enumerate(_chain(first, text), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        n += 1
        where = f"entry {n} (line {number})"
        kind, _, value = line.strip().partition(" ")
        signal_type, content_type = hma._signal_type(kind, where)
        record = HashRecord(signal_type=signal_type, value=value, content_type=content_type)
        yield validate_record(record, where), "positive", where


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _vics_region(f: IO[bytes]) -> str:
    """The region named by the OData context (read before the `value` list, or found by one
    pass over the file when a tool wrote it after)."""
    try:
        for prefix, event, value in ijson.parse(f):
            if prefix == "" and event == "map_key" and value == "value":
                continue
            if prefix in ("@odata.context", "odata.metadata") and event == "string":
                return vics._region({"@odata.context": value})
    except ijson.JSONError as exc:
        raise FormatError("file", f"not valid JSON: {exc}") from exc
    raise FormatError("file", "missing '@odata.context' (is this a VICS file?)")


def stream_vics(f: IO[bytes]) -> Iterator[HashRecord]:
    if f.read(2) in (b"\xff\xfe", b"\xfe\xff"):
        raise FormatError("file", "the file is UTF-16; save it as UTF-8")
    f.seek(0)
    region = _vics_region(f)
    f.seek(0)
    try:
        for i, entry in enumerate(ijson.items(f, "value.item", use_float=True), 1):
            if isinstance(entry, dict) and "Media" in entry and "MD5" not in entry:
                where = f"case {i}"
                if not isinstance(entry["Media"], list):
                    raise FormatError(where, "Media must be a list")
                case = vics._case(entry, where)
                for j, media in enumerate(entry["Media"], 1):
                    yield from vics._media(media, f"{where} media {j}", case, region)
            else:
                yield from vics._media(entry, f"media {i}", {}, region)
    except ijson.JSONError as exc:
        raise FormatError("file", f"not valid JSON: {exc}") from exc


def stream_ncmec(f: IO[bytes]) -> Iterator[HashRecord]:
    if _DOCTYPE.search(f.read(4096)):
        raise FormatError("document", "DOCTYPE and ENTITY declarations are not accepted")
    f.seek(0)
    events = etree.iterparse(f, events=("start", "end"), resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    counts = {"image": 0, "video": 0}
    try:
        for event, element in events:
            depth = _depth(element)
            if event == "start" and depth == 0 and ncmec._local(element) != "queryResult":
                raise FormatError("document", f"root element is <{ncmec._local(element)}>, "
                                  "expected <queryResult> (an NCMEC hash-sharing entries "
                                  "response)")
            if event == "end" and depth == 2:
                yield from _ncmec_entry(element, counts)
                element.clear()  # and drop read entries: memory stays one entry
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise FormatError("document", f"the XML is not well-formed: {exc}") from exc


def _depth(element: etree._Element) -> int:
    depth, parent = 0, element.getparent()
    while parent is not None:
        depth, parent = depth + 1, parent.getparent()
    return depth


def _ncmec_entry(element: etree._Element, counts: dict[str, int]) -> Iterator[HashRecord]:
    container = ncmec._local(element.getparent())  # type: ignore[arg-type]
    kind = container[:-1]
    if kind not in counts:
        return
    counts[kind] += 1
    tag = ncmec._local(element)
    if tag == f"deleted{kind.capitalize()}":
        return
    if tag != kind:
        raise FormatError(f"{container} element {counts[kind]}", f"unexpected <{tag}>")
    yield from ncmec._entry(element, kind, f"{kind} #{counts[kind]}")


STREAMS: dict[str, Stream] = {"vics": stream_vics, "ncmec": stream_ncmec, "hma": stream_hma,
                              "csv": stream_csv}


def stream_rows(fmt: str, f: IO[bytes], polarity: hma.Polarity | None) -> Iterator[Row]:
    """A file of format `fmt` as staging rows; HMA lists take their fast path."""
    if fmt == "hma":
        return hma_rows(f, polarity)
    return (staging_row(record) for record in STREAMS[fmt](f))
