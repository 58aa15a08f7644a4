"""NCMEC hash-sharing entries (the XML of `GET /v2/entries` on NCMEC's hash-sharing API).

Shape (namespace https://hashsharing.ncmec.org/hashsharing/v2, as python-threatexchange's
`NCMECHashAPI` reads it):

    <queryResult>
      <images count=".." maxTimestamp="..">
        <image>
          <member id="42">Example ESP</member> <timestamp>..</timestamp> <id>..</id>
          <classification>A1</classification>
          <fingerprints><md5>..</md5><sha1>..</sha1><pdna>..</pdna><pdq>..</pdq></fingerprints>
          <feedback>..</feedback>
        </image>
        <deletedImage>..</deletedImage>
      </images>
      <videos> <video>..</video> <deletedVideo>..</deletedVideo> </videos>
      <paging><next>..</next></paging>
    </queryResult>

Model: one entry -> one `HashRecord` per fingerprint, sharing `item` (the entry id),
`content_type` (image/video), `contributor` ("Example ESP (NCMEC member 42)"),
`contributed_at` (timestamp) and classification. Fingerprints md5, sha1, pdna (-> photodna),
pdq and tmk-pdqf (-> tmk_pdqf) map to tipline types; any other (netclean, videntifier,
ssvh-pdna...) becomes a vendor hash "<type>:<value>", so it can be written back.
Classification A1/A2/B1/B2 is the industry scheme; another value is kept in the note
("NCMEC classification X") rather than guessed.

Not carried: feedback (other members' up/down votes), paging, and fingerprints NCMEC sends as
links (`<tmk-pdqf href=..."/>`: the value is not in the file, and reading never fetches).
Deleted entries (tombstones) carry no fingerprints and yield no records. Dropped on write:
jurisdictions, source_list and sha256/vpdq hashes are refused (NCMEC has no such fingerprint).
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from tipline.banks.formats.validate import (
    format_datetime,
    group_items,
    parse_datetime,
    shared,
    validate_all,
    validate_record,
)
from tipline.banks.records import SCHEMES, FormatError, HashRecord
from tipline.ncmec.schema import SchemaError, parse_xml

NS = "https://hashsharing.ncmec.org/hashsharing/v2"
_READ = {"md5": "md5", "sha1": "sha1", "pdna": "photodna", "pdq": "pdq", "tmk_pdqf": "tmk_pdqf"}
_WRITE = {kind: tag.replace("_", "-") for tag, kind in _READ.items()}
_MEMBER = re.compile(r"(.*?) ?\(NCMEC member (\d+)\)")
_OTHER_CLASS = re.compile(r"NCMEC classification (\S+)")
_TAG = re.compile(r"[a-z][a-z0-9_]*")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _child(entry: etree._Element, name: str) -> etree._Element | None:
    found = [c for c in entry if isinstance(c.tag, str) and _local(c) == name]
    return found[0] if found else None


def _text(entry: etree._Element, name: str) -> str | None:
    element = _child(entry, name)
    return (element.text or "").strip() or None if element is not None else None


def _entry(entry: etree._Element, kind: str, where: str) -> list[HashRecord]:
    entry_id = _text(entry, "id")
    if entry_id is None:
        raise FormatError(where, "entry has no <id>")
    where = f"{kind} entry {entry_id}"
    member = _child(entry, "member")
    contributor = None
    member_id = (member.get("id") or "0").strip() if member is not None else "0"
    name = (member.text or "").strip() if member is not None else ""
    if name or member_id != "0":  # id 0 without a name: written by tipline for "unknown"
        contributor = f"{name} (NCMEC member {member_id})".strip()
    stamp = _text(entry, "timestamp")
    label = _text(entry, "classification")
    classifications, note = {}, None
    if label in SCHEMES["industry"]:
        classifications["industry"] = label
    elif label is not None:
        note = f"NCMEC classification {label}"
    fingerprints = _child(entry, "fingerprints")
    if fingerprints is None:
        raise FormatError(where, "entry has no <fingerprints>")
    records: list[HashRecord] = []
    seen: set[str] = set()
    for element in fingerprints:
        if not isinstance(element.tag, str):
            continue
        tag = _local(element).lower().replace("-", "_")
        value = (element.text or "").strip()
        if not value:
            continue  # a link to a large fingerprint (href), not its value
        if tag in seen:
            raise FormatError(where, f"two <{_local(element)}> fingerprints in one entry")
        seen.add(tag)
        signal_type = _READ.get(tag, "vendor")
        record = HashRecord(
            signal_type=signal_type, value=value if tag in _READ else f"{tag}:{value}",
            classifications=dict(classifications), contributor=contributor,
            contributed_at=parse_datetime(stamp, where) if stamp else None,
            note=note, item=entry_id, content_type=kind)
        records.append(validate_record(record, f"{where} <{_local(element)}>"))
    return records


def read(data: bytes) -> list[HashRecord]:
    try:
        root = parse_xml(data)
    except SchemaError as exc:  # 4110: not well-formed, or carries a DTD
        raise FormatError("document", exc.message) from exc
    if _local(root) != "queryResult":
        raise FormatError("document", f"root element is <{_local(root)}>, expected "
                                      "<queryResult> (an NCMEC hash-sharing entries response)")
    records: list[HashRecord] = []
    for kind in ("image", "video"):
        container = _child(root, f"{kind}s")
        if container is None:
            continue
        for n, entry in enumerate(container, 1):
            if not isinstance(entry.tag, str):
                continue
            tag = _local(entry)
            if tag == f"deleted{kind.capitalize()}":
                continue  # a tombstone: nothing to import
            if tag != kind:
                raise FormatError(f"{kind}s element {n}", f"unexpected <{tag}>")
            records.extend(_entry(entry, kind, f"{kind} #{n}"))
    return records


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    element.text = text
    return element


def _fingerprint(record: HashRecord, where: str) -> tuple[str, str]:
    if record.signal_type in _WRITE:
        return _WRITE[record.signal_type], record.value
    if record.signal_type == "vendor":
        tag, _, value = record.value.partition(":")
        if _TAG.fullmatch(tag):
            return tag.replace("_", "-"), value
    raise FormatError(where, f"NCMEC entries carry no {record.signal_type} fingerprint")


def _entry_out(parent: etree._Element, kind: str, group: list[HashRecord], where: str,
               number: int) -> dt.datetime | None:
    entry = _sub(parent, kind)
    contributor = shared(group, "contributor", where)
    match = _MEMBER.fullmatch(contributor) if isinstance(contributor, str) else None
    member = _sub(entry, "member", match.group(1) if match else contributor)  # type: ignore[arg-type]
    member.set("id", match.group(2) if match else "0")
    stamp = shared(group, "contributed_at", where)
    assert stamp is None or isinstance(stamp, dt.datetime)
    if stamp:
        _sub(entry, "timestamp", format_datetime(stamp))
    _sub(entry, "id", group[0].item or f"tipline-{number}")
    classifications = shared(group, "classifications", where)
    note = shared(group, "note", where)
    other = _OTHER_CLASS.fullmatch(note) if isinstance(note, str) else None
    if isinstance(classifications, dict) and "industry" in classifications:
        _sub(entry, "classification", classifications["industry"])
    elif other:
        _sub(entry, "classification", other.group(1))
    fingerprints = _sub(entry, "fingerprints")
    used: set[str] = set()
    for record in group:
        tag, value = _fingerprint(record, where)
        if tag in used:
            raise FormatError(where, f"an NCMEC entry holds one {tag} fingerprint, this item "
                                     "has several")
        used.add(tag)
        _sub(fingerprints, tag, value)
    return stamp


def write(records: list[HashRecord]) -> bytes:
    root = etree.Element(f"{{{NS}}}queryResult", nsmap={None: NS})
    groups = group_items(validate_all(records))
    for kind in ("image", "video"):
        # NCMEC decides image or video per entry; tipline records that do not say are images.
        mine = [g for g in groups if (shared(g, "content_type", _where(g)) or "image") == kind]
        if not mine:
            continue
        container = _sub(root, f"{kind}s")
        stamps = [_entry_out(container, kind, g, _where(g), n) for n, g in enumerate(mine, 1)]
        container.set("count", str(len(mine)))
        known = [s for s in stamps if s is not None]
        if known:
            container.set("maxTimestamp", format_datetime(max(known)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _where(group: list[HashRecord]) -> str:
    return f"item {group[0].item}" if group[0].item else f"{group[0].signal_type} " \
        f"{group[0].value}"
