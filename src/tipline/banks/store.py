from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from tipline.banks.models import Bank, BankEntry, BankSignal, Provenance, SignalVariant

CHUNK = 500


def bank_by_name(session: Session, name: str) -> Bank | None:
    return session.scalar(select(Bank).where(Bank.name == name))


def all_banks(session: Session) -> list[Bank]:
    return list(session.scalars(select(Bank).order_by(Bank.id)))


def entry_counts(session: Session) -> dict[int, int]:
    rows = session.execute(select(BankEntry.bank_id, func.count()).group_by(BankEntry.bank_id))
    return {bank_id: count for bank_id, count in rows}


def signals_by_key(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Existing signal ids for (type, value) keys, looked up in chunks."""
    keys = list(keys)
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), CHUNK):
        part = keys[start:start + CHUNK]
        rows = session.execute(
            select(BankSignal.signal_type, BankSignal.value, BankSignal.id)
            .where(tuple_(BankSignal.signal_type, BankSignal.value).in_(part)))
        found.update({(t, v): i for t, v, i in rows})
    return found


def entries_by_signal(session: Session, bank_id: int,
                      signal_ids: list[int]) -> dict[int, BankEntry]:
    found: dict[int, BankEntry] = {}
    for start in range(0, len(signal_ids), CHUNK):
        part = signal_ids[start:start + CHUNK]
        rows = session.scalars(select(BankEntry).where(
            BankEntry.bank_id == bank_id, BankEntry.signal_id.in_(part)))
        found.update({e.signal_id: e for e in rows})
    return found


def provenance_keys(session: Session, entry_ids: list[int]) -> dict[tuple[int, str, str],
                                                                    Provenance]:
    found: dict[tuple[int, str, str], Provenance] = {}
    for start in range(0, len(entry_ids), CHUNK):
        part = entry_ids[start:start + CHUNK]
        for p in session.scalars(select(Provenance).where(Provenance.entry_id.in_(part))):
            found[(p.entry_id, p.contributor, p.source_list)] = p
    return found


def variant_labels(session: Session, signal_ids: list[int]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for start in range(0, len(signal_ids), CHUNK):
        part = signal_ids[start:start + CHUNK]
        rows = session.execute(select(SignalVariant.signal_id, SignalVariant.label)
                               .where(SignalVariant.signal_id.in_(part)))
        found.update((s, label) for s, label in rows)
    return found
