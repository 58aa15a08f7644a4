"""Plain CSV: one hash per row, every field of a `HashRecord` in a column.

Header (columns other than signal_type and value may be left out, in any order):

    signal_type,value,interpol_baseline,iccam,industry,project_vic,uk,jurisdictions,
    contributor,source_list,contributed_at,note,item,content_type

One column per classification scheme (an empty cell: not classified under it); jurisdictions
are ISO 3166 alpha-2 codes separated by ";"; contributed_at is ISO 8601 with a time zone.
UTF-8 only (a BOM and CRLF line ends are fine); an unknown column is refused rather than
ignored, because a misspelt "jurisdiction" column would otherwise silently drop where a hash
is illegal.
"""

from __future__ import annotations

import csv
import io

from tipline.banks.formats.validate import (
    decode_text,
    format_datetime,
    parse_datetime,
    validate_all,
    validate_record,
)
from tipline.banks.records import SCHEMES, FormatError, HashRecord

COLUMNS = ("signal_type", "value", *SCHEMES, "jurisdictions", "contributor", "source_list",
           "contributed_at", "note", "item", "content_type")
REQUIRED = ("signal_type", "value")


def _header(row: list[str]) -> list[str]:
    names = [name.strip().lower() for name in row]
    for name in names:
        if name not in COLUMNS:
            raise FormatError("line 1", f"unknown column {name!r} (known: {', '.join(COLUMNS)})")
    for name in REQUIRED:
        if name not in names:
            raise FormatError("line 1", f"missing column {name!r}")
    if len(set(names)) != len(names):
        raise FormatError("line 1", "a column appears twice")
    return names


def _record(cells: dict[str, str], where: str) -> HashRecord:
    def text(name: str) -> str | None:
        value = cells.get(name, "").strip()
        return value or None

    jurisdictions = [c for c in cells.get("jurisdictions", "").split(";") if c.strip()]
    stamp = text("contributed_at")
    record = HashRecord(
        signal_type=cells["signal_type"].strip().lower(),
        value=cells["value"],
        classifications={s: cells[s].strip() for s in SCHEMES if cells.get(s, "").strip()},
        jurisdictions=tuple(jurisdictions),
        contributor=text("contributor"),
        source_list=text("source_list"),
        contributed_at=parse_datetime(stamp, where) if stamp else None,
        note=text("note"),
        item=text("item"),
        content_type=text("content_type"),
    )
    return validate_record(record, where)


def read(data: bytes) -> list[HashRecord]:
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise FormatError("line 1", "the file is empty; expected a header row")
        names = _header(header)
        records: list[HashRecord] = []
        for row in reader:
            where = f"line {reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue  # blank lines, e.g. a trailing CRLF
            if len(row) != len(names):
                raise FormatError(where, f"{len(row)} cells, the header has {len(names)}")
            records.append(_record(dict(zip(names, row, strict=True)), where))
    except csv.Error as exc:
        raise FormatError(f"line {reader.line_num}", f"not valid CSV: {exc}") from exc
    return records


def write(records: list[HashRecord]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, and what spreadsheets expect
    writer.writerow(COLUMNS)
    for record in validate_all(records):
        stamp = record.contributed_at
        writer.writerow([
            record.signal_type,
            record.value,
            *(record.classifications.get(scheme, "") for scheme in SCHEMES),
            ";".join(record.jurisdictions),
            *(getattr(record, name) or "" for name in ("contributor", "source_list")),
            format_datetime(stamp) if stamp else "",
            *(getattr(record, name) or "" for name in ("note", "item", "content_type")),
        ])
    return out.getvalue().encode("utf-8")
