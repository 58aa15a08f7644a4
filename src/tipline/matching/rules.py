"""Pure matching decisions: which hits count, and which a negative bank suppresses."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Hit:
    """One bank entry that one hash of a file came close to."""

    bank_id: int
    bank_name: str
    bank_kind: str  # positive | negative
    entry_id: int
    signal_type: str
    distance: int
    query_label: str  # which hash of the file: original, rot90 ..., stripped, md5, reporter:md5
    suppressed_by: str | None = None


def best_per_entry(hits: list[Hit]) -> list[Hit]:
    """Keep the closest hit of each entry (a file may reach one entry through several of its
    transforms); ties go to the untransformed hash, which is the easier one to explain."""
    best: dict[int, Hit] = {}
    for hit in sorted(hits, key=lambda h: (h.distance, h.query_label != "original")):
        best.setdefault(hit.entry_id, hit)
    return sorted(best.values(), key=lambda h: (h.distance, h.bank_name, h.entry_id))


def apply_negative_banks(hits: list[Hit]) -> list[Hit]:
    """A file that matches a negative bank (known benign or collision-prone content) has its
    positive matches suppressed, but kept and marked, so the reason stays visible."""
    negatives = sorted({h.bank_name for h in hits if h.bank_kind == "negative"})
    if not negatives:
        return hits
    reason = ", ".join(negatives)
    return [replace(h, suppressed_by=reason) if h.bank_kind == "positive" else h for h in hits]


def decide(hits: list[Hit]) -> list[Hit]:
    return apply_negative_banks(best_per_entry(hits))
