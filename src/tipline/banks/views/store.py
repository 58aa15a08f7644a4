"""Read models of hash banks for the pages: banks with their entry counts and one bank's
entries a page at a time (keyset: the next page starts after the last entry id shown)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.banks.models import Bank, BankEntry, BankSignal, Provenance


@dataclass(frozen=True)
class EntryRow:
    id: int
    signal_type: str
    value: str
    enabled: bool
    added_at: dt.datetime
    sources: list[dict[str, Any]]  # contributor, source list, classifications, jurisdictions


def entries_after(session: Session, bank: Bank, after: int, limit: int) -> list[EntryRow]:
    """Up to `limit` entries of the bank with an id above `after`, with their provenance."""
    rows = session.execute(
        select(BankEntry, BankSignal.signal_type, BankSignal.value)
        .join(BankSignal, BankSignal.id == BankEntry.signal_id)
        .where(BankEntry.bank_id == bank.id, BankEntry.id > after)
        .order_by(BankEntry.id).limit(limit)).all()
    sources: dict[int, list[dict[str, Any]]] = {entry.id: [] for entry, _t, _v in rows}
    for p in session.scalars(select(Provenance).where(Provenance.entry_id.in_(list(sources)))
                             .order_by(Provenance.id)):
        sources[p.entry_id].append({"contributor": p.contributor, "source_list": p.source_list,
                                    "classifications": dict(p.classifications),
                                    "jurisdictions": list(p.jurisdictions)})
    return [EntryRow(entry.id, signal_type, value, entry.enabled, entry.added_at,
                     sources[entry.id]) for entry, signal_type, value in rows]
