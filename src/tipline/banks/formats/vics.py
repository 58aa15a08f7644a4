"""Project VIC VICS 2.0 JSON (the OData shape that Griffeye, X-Ways, AXIOM and CAID tools trade).

The document is an OData envelope: `@odata.context` names the data model, its region and the
entity set (`.../DataModels/2.0.xml/US/$metadata#Media` or `...#Cases`), and `value` holds
either Media directly (a hash set) or Cases, each with a `Media` list. VICS 1.x used the key
`odata.metadata`; it is read the same way.

A Media item is keyed on `MD5` and may carry `SHA1`, `PhotoDNA` (base64 of 144 bytes),
`AlternativeHashes` (a list of `{"HashName", "HashValue"}`, e.g. PhotoDNA, PDQ, SHA256),
`Category`, `MediaID`, `DateUpdated`, `Comments` and much else about the file (victim and
offender flags, series, EXIF, file paths) that a hash bank does not keep.

Model: one Media -> one `HashRecord` per hash, all with the same `item` (the MediaID, or the
MD5 when there is none), classification, date and note, so writing them back rebuilds the
Media. Carried: md5, sha1, photodna, anything in AlternativeHashes (an unknown HashName X
becomes a vendor hash "x:<value>"), Category as `project_vic`, DateUpdated, Comments, and for
Cases the CaseNumber (source_list) and ContactOrganization (contributor). Dropped on write:
jurisdictions, content_type and classifications under other schemes.

Category 0-4 means the Project VIC (US) categories only in the US and Default regions; other
regions (UK CAID, Canada...) number their own categories, so there the number is kept in the
note ("VICS UK Category 2") rather than guessed into a scheme.

Exporters differ: numbers arrive as strings ("MediaID": "12"), flags as "true"/"True", and
files start with a UTF-8 BOM; all are read. Empty SHA1/PhotoDNA strings mean "absent".
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from typing import Any

from tipline.banks.formats.validate import (
    decode_text,
    format_datetime,
    group_items,
    parse_datetime,
    photodna_base64,
    shared,
    validate_all,
    validate_record,
)
from tipline.banks.records import SCHEMES, FormatError, HashRecord

MODEL = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml"
_CONTEXT = re.compile(r"/DataModels/[^/]+/([^/$#]+)/\$metadata#(\w+)")
VIC_REGIONS = ("default", "us")  # where Category is the Project VIC 0-4 scale
# AlternativeHashes names, compared after lower-casing and dropping punctuation.
_ALT_READ = {"photodna": "photodna", "pdq": "pdq", "sha256": "sha256", "sha1": "sha1",
             "md5": "md5", "vpdq": "vpdq", "tmkpdqf": "tmk_pdqf"}
_ALT_WRITE = {"photodna": "PhotoDNA", "pdq": "PDQ", "sha256": "SHA256", "sha1": "SHA1",
              "md5": "MD5", "vpdq": "vPDQ", "tmk_pdqf": "TMK_PDQF"}


def _load(data: bytes) -> dict[str, Any]:
    text = decode_text(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"line {exc.lineno} column {exc.colno}",
                          f"not valid JSON: {exc.msg}") from exc
    except (RecursionError, ValueError) as exc:  # absurd nesting or 5000-digit numbers
        raise FormatError("file", f"not usable JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
        raise FormatError("file", "expected an OData object with a 'value' list")
    return doc


def _region(doc: dict[str, Any]) -> str:
    context = doc.get("@odata.context", doc.get("odata.metadata"))
    if not isinstance(context, str):
        raise FormatError("file", "missing '@odata.context' (is this a VICS file?)")
    match = _CONTEXT.search(context)
    # VICS 1.x contexts name no region; their categories are the Project VIC ones.
    return match.group(1).lower() if match else "default"


def _int(value: Any, where: str, name: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise FormatError(where, f"{name} must be a number, not {value}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    raise FormatError(where, f"{name} must be a whole number, got {value!r}")


def _text(value: Any, where: str, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FormatError(where, f"{name} must be text, got {type(value).__name__}")
    return value.strip() or None


def _hashes(media: dict[str, Any], where: str) -> list[tuple[str, Any]]:
    if "MD5" not in media or not media["MD5"]:
        raise FormatError(where, "missing MD5 (VICS Media are keyed on MD5)")
    found: list[tuple[str, Any]] = [("md5", media["MD5"])]
    for key, kind in (("SHA1", "sha1"), ("PhotoDNA", "photodna")):
        if media.get(key) not in (None, ""):
            found.append((kind, media[key]))
    alternatives = media.get("AlternativeHashes") or []
    if not isinstance(alternatives, list):
        raise FormatError(where, "AlternativeHashes must be a list")
    for k, alt in enumerate(alternatives, 1):
        if not isinstance(alt, dict) or not isinstance(alt.get("HashName"), str):
            raise FormatError(f"{where} AlternativeHashes[{k}]", "expected HashName and HashValue")
        if alt.get("HashValue") in (None, ""):
            continue
        name = alt["HashName"].strip()
        known = _ALT_READ.get(re.sub(r"[^a-z0-9]", "", name.lower()))
        if known is None:  # an algorithm tipline has no type for: keep it, named, as vendor
            found.append(("vendor", f"{name.lower().replace(' ', '_')}:{alt['HashValue']}"))
        else:
            found.append((known, alt["HashValue"]))
    return found


def _media(media: Any, where: str, case: dict[str, str | None], region: str
           ) -> list[HashRecord]:
    if not isinstance(media, dict):
        raise FormatError(where, "expected a Media object")
    media_id = _int(media.get("MediaID"), where, "MediaID")
    if media_id is not None:
        where = f"{where} (MediaID {media_id})"
    category = _int(media.get("Category"), where, "Category")
    note = _text(media.get("Comments"), where, "Comments")
    classifications: dict[str, str] = {}
    if category is not None and region in VIC_REGIONS:
        if str(category) not in SCHEMES["project_vic"]:
            raise FormatError(where, f"Category {category} is not a Project VIC category (0-4)")
        classifications["project_vic"] = str(category)
    elif category is not None:
        note = "; ".join(filter(None, [f"VICS {region.upper()} Category {category}", note]))
    stamp = _text(media.get("DateUpdated"), where, "DateUpdated")
    records: list[HashRecord] = []
    seen: set[tuple[str, str]] = set()
    item = str(media_id) if media_id is not None else None
    for kind, value in _hashes(media, where):
        record = validate_record(HashRecord(
            signal_type=kind, value=value, classifications=dict(classifications),
            contributor=case.get("contributor"), source_list=case.get("source_list"),
            contributed_at=parse_datetime(stamp, where, naive_is_utc=True) if stamp else None,
            note=note, item=item), where)
        if item is None:
            item = record.value  # the MD5 (always first): the key VICS itself uses
            record = replace(record, item=item)
        if (record.signal_type, record.value) not in seen:  # PhotoDNA often appears twice
            seen.add((record.signal_type, record.value))
            records.append(record)
    return records


def _case(entry: dict[str, Any], where: str) -> dict[str, str | None]:
    # CaseNumber, not CaseID: the ID is a GUID minted per export, the number names the case.
    return {
        "source_list": _text(entry.get("CaseNumber"), where, "CaseNumber"),
        "contributor": _text(entry.get("ContactOrganization"), where, "ContactOrganization"),
    }


def read(data: bytes) -> list[HashRecord]:
    doc = _load(data)
    region = _region(doc)
    records: list[HashRecord] = []
    for i, entry in enumerate(doc["value"], 1):
        if isinstance(entry, dict) and "Media" in entry and "MD5" not in entry:
            where = f"case {i}"
            if not isinstance(entry["Media"], list):
                raise FormatError(where, "Media must be a list")
            case = _case(entry, where)
            for j, media in enumerate(entry["Media"], 1):
                records.extend(_media(media, f"{where} media {j}", case, region))
        else:
            records.extend(_media(entry, f"media {i}", {}, region))
    return records


def _media_out(group: list[HashRecord], where: str) -> dict[str, Any]:
    md5s = [r for r in group if r.signal_type == "md5"]
    if len(md5s) != 1:
        raise FormatError(where, f"a VICS Media needs exactly one md5, this item has {len(md5s)}"
                                 " (export other hashes in a format keyed otherwise)")
    media: dict[str, Any] = {}
    item = group[0].item
    if item is not None and re.fullmatch(r"\d{1,18}", item):
        media["MediaID"] = int(item)
    classifications = shared(group, "classifications", where)
    assert isinstance(classifications, dict)
    if "project_vic" in classifications:
        media["Category"] = int(classifications["project_vic"])
    media["MD5"] = md5s[0].value.upper()  # distributed VICS files use upper-case hex
    alternatives: list[dict[str, str]] = []
    for record in group:
        if record.signal_type == "md5":
            continue
        if record.signal_type == "sha1" and "SHA1" not in media:
            media["SHA1"] = record.value.upper()
        elif record.signal_type == "photodna" and "PhotoDNA" not in media:
            media["PhotoDNA"] = photodna_base64(record.value)
        elif record.signal_type == "vendor":
            name, _, value = record.value.partition(":")
            alternatives.append({"HashName": name, "HashValue": value})
        else:
            value = photodna_base64(record.value) if record.signal_type == "photodna" \
                else record.value
            alternatives.append({"HashName": _ALT_WRITE[record.signal_type], "HashValue": value})
    if alternatives:
        media["AlternativeHashes"] = alternatives
    stamp = shared(group, "contributed_at", where)
    if stamp is not None:
        media["DateUpdated"] = format_datetime(stamp)  # type: ignore[arg-type]
    note = shared(group, "note", where)
    if note:
        media["Comments"] = note
    return media


def write(records: list[HashRecord]) -> bytes:
    cases: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}
    for group in group_items(validate_all(records)):
        where = f"item {group[0].item}" if group[0].item else f"{group[0].signal_type} " \
            f"{group[0].value}"
        key = (shared(group, "source_list", where), shared(group, "contributor", where))
        cases.setdefault(key, []).append(_media_out(group, where))  # type: ignore[arg-type]
    if all(key == (None, None) for key in cases):  # no provenance: a plain hash set
        doc: dict[str, Any] = {"@odata.context": f"{MODEL}/Default/$metadata#Media",
                               "value": cases.get((None, None), [])}
    else:
        doc = {"@odata.context": f"{MODEL}/Default/$metadata#Cases",
               "value": [_case_out(source, contributor, media)
                         for (source, contributor), media in cases.items()]}
    return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")


def _case_out(source: str | None, contributor: str | None, media: list[dict[str, Any]]
              ) -> dict[str, Any]:
    # A stable CaseID, so exporting the same bank twice gives the same file.
    case: dict[str, Any] = {"CaseID": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                     f"tipline:{source}:{contributor}"))}
    if source:
        case["CaseNumber"] = source
    if contributor:
        case["ContactOrganization"] = contributor
    case["SourceApplicationName"] = "tipline"
    case["Media"] = media
    return case
