"""HMA / ThreatExchange signal lists, as python-threatexchange writes and reads them.

Which shape: HMA (OpenMediaMatch) has no bank-file format of its own; its banks are filled by
exchanges built on python-threatexchange (pytx), and pytx has two plain-text shapes that
practitioners actually pass around:

* the export of `threatexchange dataset -P --csv` (what pytx documents as "a simple CSV file
  for one collaboration for ease of distribution"), a CSV with the header
  `signal_type,signal_str,collab,category,tags`: pytx's signal type name, the hash, the
  collaboration (exchange) it came from, the aggregate opinion category (POSITIVE_CLASS,
  INVESTIGATION_SEED, NEGATIVE_CLASS or DISPUTED) and space-separated tags;
* the signal file of pytx's `LocalFileSignalExchangeAPI`: one `<signal_type> <signal>` per line.

`read` takes either (a file starting with the CSV header is the first); `write` produces the
CSV, which carries the most. Mapping: signal types by pytx name (pdq, vpdq, video_md5 and
video_sha256 -> md5/sha256 of a video; md5, sha1, sha256, photodna, tmk_pdqf as tipline names
them); collab <-> source_list; tags "<scheme>:<label>" <-> classifications (e.g.
"industry:A1"), "jurisdiction:<CC>" <-> jurisdictions, any other tags <-> note (tags are
space-separated, so a note comes back with its whitespace collapsed). Not carried:
contributor, contributed_at, item, and content_type except through video_* names.

Polarity: tipline keeps "benign" as a property of a bank (a negative bank), not of a record,
so a file must be all positive (POSITIVE_CLASS / INVESTIGATION_SEED) or all NEGATIVE_CLASS;
`polarity()` says which, for the caller to pick the bank. DISPUTED rows are refused: someone
has to settle them before they decide matches.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from tipline.banks.formats.validate import decode_text, validate_all, validate_record
from tipline.banks.records import SCHEMES, FormatError, HashRecord

HEADER = ("signal_type", "signal_str", "collab", "category", "tags")
# pytx name -> (tipline signal type, content type it implies)
PYTX_TYPES: dict[str, tuple[str, str | None]] = {
    "pdq": ("pdq", None), "vpdq": ("vpdq", "video"),
    "video_md5": ("md5", "video"), "video_sha256": ("sha256", "video"),
    "md5": ("md5", None), "sha1": ("sha1", None), "sha256": ("sha256", None),
    "photodna": ("photodna", None), "pdna": ("photodna", None),
    "tmk_pdqf": ("tmk_pdqf", "video"), "video_tmk_pdqf": ("tmk_pdqf", "video"),
}
POSITIVE = ("POSITIVE_CLASS", "INVESTIGATION_SEED")
NEGATIVE = "NEGATIVE_CLASS"
Polarity = Literal["positive", "negative"]


def _signal_type(name: str, where: str) -> tuple[str, str | None]:
    key = name.strip().lower()
    if key not in PYTX_TYPES:
        raise FormatError(where, f"signal type {name!r} is not a media hash tipline banks "
                                 f"(known: {', '.join(PYTX_TYPES)})")
    return PYTX_TYPES[key]


def _tags(tags: str, where: str) -> tuple[dict[str, str], list[str], str | None]:
    classifications: dict[str, str] = {}
    jurisdictions: list[str] = []
    other: list[str] = []
    for tag in tags.split():
        prefix, colon, rest = tag.partition(":")
        if colon and prefix == "jurisdiction":
            jurisdictions.append(rest)
        elif colon and prefix in SCHEMES:
            if prefix in classifications and classifications[prefix] != rest:
                raise FormatError(where, f"two {prefix} labels: {classifications[prefix]} and "
                                         f"{rest}")
            classifications[prefix] = rest
        else:
            other.append(tag)
    return classifications, jurisdictions, " ".join(other) or None


def _category(text: str, where: str) -> Polarity:
    category = text.strip().upper() or POSITIVE[0]
    if category in POSITIVE:
        return "positive"
    if category == NEGATIVE:
        return "negative"
    if category == "DISPUTED":
        raise FormatError(where, "DISPUTED signal (members disagree); settle it before import")
    raise FormatError(where, f"unknown category {text!r}")


def _csv_rows(text: str) -> list[tuple[str, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[str, list[str]]] = []
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        if header != list(HEADER):
            raise FormatError("line 1", f"header must be {','.join(HEADER)}")
        for n, row in enumerate(reader, 1):
            if any(cell.strip() for cell in row):
                rows.append((f"entry {n} (line {reader.line_num})", row))
    except csv.Error as exc:
        raise FormatError(f"line {reader.line_num}", f"not valid CSV: {exc}") from exc
    return rows


def _parse(data: bytes) -> list[tuple[HashRecord, Polarity, str]]:
    text = decode_text(data)
    out: list[tuple[HashRecord, Polarity, str]] = []
    if text.lstrip().lower().startswith("signal_type,"):
        for where, row in _csv_rows(text):
            if len(row) != len(HEADER):
                raise FormatError(where, f"{len(row)} cells, expected {len(HEADER)}")
            kind, value, collab, category, tags = row
            signal_type, content_type = _signal_type(kind, where)
            classifications, jurisdictions, note = _tags(tags, where)
            record = HashRecord(signal_type=signal_type, value=value,
                                classifications=classifications,
                                jurisdictions=tuple(jurisdictions),
                                source_list=collab.strip() or None, note=note,
                                content_type=content_type)
            out.append((validate_record(record, where), _category(category, where), where))
        return out
    n = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        n += 1
        where = f"entry {n} (line {number})"
        kind, _, value = line.strip().partition(" ")
        signal_type, content_type = _signal_type(kind, where)
        record = HashRecord(signal_type=signal_type, value=value, content_type=content_type)
        out.append((validate_record(record, where), "positive", where))
    return out


def polarity(data: bytes) -> Polarity:
    """Whether the file lists abuse material ("positive") or benign hashes ("negative")."""
    parsed = _parse(data)
    return parsed[0][1] if parsed else "positive"


def read(data: bytes) -> list[HashRecord]:
    parsed = _parse(data)
    if parsed:
        first = parsed[0][1]
        for _, pole, where in parsed:
            if pole != first:
                raise FormatError(where, f"{pole} signal in a {first} list; split the file and "
                                         "import each part into a bank of its polarity")
    return [record for record, _, _ in parsed]


def _name(record: HashRecord) -> str:
    video = record.content_type == "video"
    if record.signal_type in ("md5", "sha256") and video:
        return f"video_{record.signal_type}"
    return record.signal_type


def write(records: list[HashRecord], *, category: str = POSITIVE[0]) -> bytes:
    """The pytx dataset CSV. `category` is the list's polarity: NEGATIVE_CLASS for a
    negative bank, POSITIVE_CLASS otherwise."""
    if category not in (*POSITIVE, NEGATIVE):
        raise FormatError("category", f"must be one of {', '.join((*POSITIVE, NEGATIVE))}")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")  # pytx writes through csv to stdout
    writer.writerow(HEADER)
    for i, record in enumerate(validate_all(records), 1):
        if record.signal_type == "vendor":
            raise FormatError(f"record {i}", "pytx has no signal type for vendor hashes")
        tags = [f"{scheme}:{label}" for scheme, label in sorted(record.classifications.items())]
        tags += [f"jurisdiction:{code}" for code in record.jurisdictions]
        tags += (record.note or "").split()
        writer.writerow([_name(record), record.value, record.source_list or "", category,
                         " ".join(tags)])
    return out.getvalue().encode("utf-8")
