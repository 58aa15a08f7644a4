"""Checks and normal forms shared by every bank format.

Every reader passes each record through `validate_record`, so whatever the format, a record that
reaches a bank has one spelling per hash (matching compares strings), labels its scheme knows,
and real country codes. Every writer does the same, so a file tipline writes can be read back.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import replace

from tipline.banks.formats.countries import ALPHA2
from tipline.banks.records import CONTENT_TYPES, SCHEMES, SIGNAL_TYPES, FormatError, HashRecord

# Hex lengths of the fixed-size hashes.
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
PHOTODNA_BYTES = 144
_HEX = re.compile(r"[0-9a-f]+")
_VENDOR = re.compile(r"[a-z0-9][a-z0-9_.-]*:\S.*")
MAX_VALUE = 100_000  # opaque hashes (vPDQ frame lists) are long, but not unbounded


def decode_text(data: bytes, where: str = "file") -> str:
    """UTF-8 text without a BOM; other encodings are refused, naming the line they break on."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FormatError(where, "the file is UTF-16; save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # Windows tools add a BOM; it carries no meaning
    if b"\x00" in data:
        # UTF-16 without a BOM decodes "successfully" as UTF-8 full of NULs; catch it here.
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FormatError(f"line {line}", "NUL byte: the file is not UTF-8 text (UTF-16?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError(
            f"line {line}",
            f"byte 0x{data[exc.start]:02x} is not UTF-8 (is the file Latin-1 or Windows-1252? "
            "save it as UTF-8)",
        ) from exc


def normalise_photodna(value: str, where: str) -> str:
    """PhotoDNA travels as base64 (VICS), hex, or 144 comma-separated bytes; keep lower hex."""
    text = "".join(value.split())
    raw: bytes | None = None
    if len(text) == 2 * PHOTODNA_BYTES and _HEX.fullmatch(text.lower()):
        raw = bytes.fromhex(text)
    elif "," in text:
        try:
            numbers = [int(part) for part in text.split(",")]
        except ValueError:
            numbers = []
        if numbers and all(0 <= n <= 255 for n in numbers):
            raw = bytes(numbers)
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != PHOTODNA_BYTES:
        raise FormatError(
            where, f"photodna hash must be {PHOTODNA_BYTES} bytes as base64, hex or "
            "comma-separated bytes")
    return raw.hex()


def photodna_base64(value: str) -> str:
    return base64.b64encode(bytes.fromhex(value)).decode("ascii")


def normalise_hash(signal_type: str, value: str, where: str) -> str:
    """The one spelling of a hash that tipline stores and compares."""
    if signal_type not in SIGNAL_TYPES:
        raise FormatError(
            where, f"unknown signal type {signal_type!r} (known: {', '.join(SIGNAL_TYPES)})")
    if not isinstance(value, str):
        raise FormatError(where, f"{signal_type} hash must be text, not {type(value).__name__}")
    if signal_type in HEX_LENGTHS:
        text = value.strip().lower()
        size = HEX_LENGTHS[signal_type]
        if len(text) != size or not _HEX.fullmatch(text):
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise FormatError(where, f"{signal_type} hash must be {size} hex digits, "
                                     f"got {shown!r}")
        return text
    if signal_type == "photodna":
        return normalise_photodna(value, where)
    text = value.strip()
    if not text:
        raise FormatError(where, f"{signal_type} hash is empty")
    if len(text) > MAX_VALUE:
        raise FormatError(where, f"{signal_type} hash is longer than {MAX_VALUE} characters")
    if signal_type == "vendor" and not _VENDOR.fullmatch(text):
        # The prefix names the vendor algorithm, so equal strings of two vendors never match.
        raise FormatError(where, "vendor hash must read '<vendor>:<hash>', e.g. 'netclean:...'")
    return text


def check_classifications(classifications: dict[str, str], where: str) -> dict[str, str]:
    for scheme, label in classifications.items():
        if scheme not in SCHEMES:
            raise FormatError(where, f"unknown classification scheme {scheme!r} "
                                     f"(known: {', '.join(SCHEMES)})")
        if label not in SCHEMES[scheme]:
            raise FormatError(where, f"{label!r} is not a {scheme} label "
                                     f"(allowed: {', '.join(SCHEMES[scheme])})")
    return dict(classifications)


def normalise_jurisdictions(codes: tuple[str, ...] | list[str], where: str) -> tuple[str, ...]:
    out: list[str] = []
    for code in codes:
        upper = code.strip().upper()
        if upper not in ALPHA2:
            raise FormatError(where, f"{code!r} is not an ISO 3166 alpha-2 country code")
        if upper not in out:
            out.append(upper)
    return tuple(out)


def parse_datetime(text: str, where: str, *, naive_is_utc: bool = False) -> dt.datetime:
    """ISO 8601 with an offset; a bare local time could be off by a day, so it is refused
    unless the format itself defines it as UTC."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise FormatError(where, f"{text!r} is not an ISO 8601 date-time") from exc
    if value.tzinfo is None:
        if not naive_is_utc:
            raise FormatError(where, f"{text!r} has no time zone (add Z or +hh:mm)")
        value = value.replace(tzinfo=dt.UTC)
    return value


def format_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def validate_record(record: HashRecord, where: str) -> HashRecord:
    """The record in normal form, or FormatError naming `where`."""
    if record.content_type is not None and record.content_type not in CONTENT_TYPES:
        raise FormatError(where, f"content type must be one of {', '.join(CONTENT_TYPES)}")
    if record.contributed_at is not None and record.contributed_at.tzinfo is None:
        raise FormatError(where, "contributed_at has no time zone")
    return replace(
        record,
        value=normalise_hash(record.signal_type, record.value, where),
        classifications=check_classifications(record.classifications, where),
        jurisdictions=normalise_jurisdictions(record.jurisdictions, where),
    )


def validate_all(records: list[HashRecord]) -> list[HashRecord]:
    """Writers call this first: a file tipline writes must be one tipline can read."""
    return [validate_record(r, f"record {i}") for i, r in enumerate(records, 1)]


def group_items(records: list[HashRecord]) -> list[list[HashRecord]]:
    """Records grouped by `item` in first-seen order; a record without an item is alone."""
    groups: dict[str, list[HashRecord]] = {}
    out: list[list[HashRecord]] = []
    for record in records:
        if record.item is None:
            out.append([record])
        elif record.item in groups:
            groups[record.item].append(record)
        else:
            groups[record.item] = [record]
            out.append(groups[record.item])
    return out


def shared(group: list[HashRecord], attribute: str, where: str) -> object:
    """A field that formats store once per item must agree across the item's records."""
    values = [getattr(r, attribute) for r in group]
    if any(v != values[0] for v in values[1:]):
        raise FormatError(where, f"records of one item disagree on {attribute}; this format "
                                 "stores it once per item")
    return values[0]
