"""Fitting a bank to an export format: every record the format can hold is exported, and each
one it cannot is skipped with the reason (never a refusal of the whole bank).

Formats differ in what they carry (`FORMATS[name].signal_types`) and in their key: a VICS Media
is keyed on one MD5, so the hashes of a file without an MD5 cannot be a Media. A bank filled
from media files (`banks add-media`) holds MD5, SHA-256 and PDQ per file: VICS takes them all
as one Media (SHA-256 and PDQ as alternative hashes), NCMEC all but the SHA-256 (it has no
field for one), HMA and CSV everything they type.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from tipline.banks.formats import FORMATS
from tipline.banks.formats.validate import group_items
from tipline.banks.records import HashRecord

# The fields a format stores once per item (`formats.validate.shared`): records of one item
# that differ in them are exported as separate items.
PER_ITEM = ("contributor", "source_list", "contributed_at", "note", "content_type")


@dataclass(frozen=True)
class Skipped:
    signal_type: str
    value: str
    reason: str


@dataclass
class ExportPlan:
    records: list[HashRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def reasons(self) -> list[tuple[str, int]]:
        """Each reason for skipping, with how many records it skipped (most first)."""
        return Counter(s.reason for s in self.skipped).most_common()


def fit(records: list[HashRecord], fmt: str) -> ExportPlan:
    """What of these records the format can hold, and what it cannot, with why."""
    plan = ExportPlan()
    carried = FORMATS[fmt].signal_types
    kept = []
    for record in records:
        if record.signal_type in carried:
            kept.append(record)
        else:
            plan.skipped.append(Skipped(record.signal_type, record.value,
                                        f"{fmt} has no field for {record.signal_type} hashes"))
    for group in group_items(split_items(kept)):
        reason = _refused_group(group, fmt)
        if reason is None:
            plan.records += group
        else:
            plan.skipped += [Skipped(r.signal_type, r.value, reason) for r in group]
    return plan


def _refused_group(group: list[HashRecord], fmt: str) -> str | None:
    if fmt == "vics":
        md5s = sum(1 for r in group if r.signal_type == "md5")
        if md5s != 1:
            return (f"a VICS Media is keyed on one MD5; these hashes of one file have {md5s} "
                    "(export them as csv or hma)")
    if fmt == "ncmec":
        types = [r.signal_type for r in group]
        if len(types) != len(set(types)):
            return "an NCMEC entry holds one fingerprint of each type; this file has several"
    return None


def split_items(records: list[HashRecord]) -> list[HashRecord]:
    """Records of one item that disagree on a per-item field (two contributors sent the same
    file) become items of their own (`item`, `item#2`...), so each keeps its provenance."""
    keys: dict[str, list[tuple[object, ...]]] = {}
    out = []
    for record in records:
        if record.item is None:
            out.append(record)
            continue
        key = (*(getattr(record, name) for name in PER_ITEM),
               tuple(sorted(record.classifications.items())))
        seen = keys.setdefault(record.item, [])
        if key not in seen:
            seen.append(key)
        n = seen.index(key)
        out.append(record if n == 0 else replace(record, item=f"{record.item}#{n + 1}"))
    return out
