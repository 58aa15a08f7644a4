"""Use cases of hash banks. Services never commit: an import is one transaction, all or nothing.

Every change that can alter what the match index should hold writes an `IndexChange` for the
signal in the same transaction, so every process's index follows within its poll interval.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.banks import store
from tipline.banks.models import (
    Bank,
    BankEntry,
    BankSignal,
    IndexChange,
    Provenance,
    SignalVariant,
)
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate, Disagreement, ImportResult, NegativeConflict

ORIGINAL = "original:original"


class BankError(ValueError):
    pass


def create_bank(session: Session, data: BankCreate, actor: Actor) -> Bank:
    if store.bank_by_name(session, data.name):
        raise BankError(f"a bank named {data.name!r} exists")
    bank = Bank(name=data.name, description=data.description, kind=data.kind,
                pdq_threshold=data.pdq_threshold, enabled=True)
    session.add(bank)
    session.flush()
    record(session, actor, "bank.create", "bank", bank.id, name=data.name, kind=data.kind)
    return bank


def require_bank(session: Session, name: str) -> Bank:
    bank = store.bank_by_name(session, name)
    if bank is None:
        raise BankError(f"no bank named {name!r}")
    return bank


def set_bank_enabled(session: Session, bank: Bank, enabled: bool, actor: Actor) -> None:
    """Banks are filtered at match time, so this takes effect at once without index changes."""
    bank.enabled = enabled
    record(session, actor, "bank.enable" if enabled else "bank.disable", "bank", bank.id)


def _upsert_signals(session: Session, records: list[HashRecord]) -> tuple[dict[tuple[str, str],
                                                                               int], int]:
    keys = list(dict.fromkeys((r.signal_type, r.value) for r in records))
    ids = store.signals_by_key(session, keys)
    missing = [k for k in keys if k not in ids]
    if missing:
        session.add_all([BankSignal(signal_type=t, value=v) for t, v in missing])
        session.flush()
        ids.update(store.signals_by_key(session, missing))
    return ids, len(missing)


def _upsert_entries(session: Session, bank: Bank, signal_ids: list[int]
                    ) -> tuple[dict[int, BankEntry], list[int]]:
    entries = store.entries_by_signal(session, bank.id, signal_ids)
    new = [s for s in dict.fromkeys(signal_ids) if s not in entries]
    session.add_all([BankEntry(bank_id=bank.id, signal_id=s, enabled=True) for s in new])
    session.flush()
    entries.update(store.entries_by_signal(session, bank.id, new))
    return entries, new


def add_records(session: Session, bank: Bank, records: list[HashRecord], actor: Actor,
                variants: dict[str, list[tuple[str, str]]] | None = None) -> ImportResult:
    """Add hashes with their provenance to a bank. The same hash already stored keeps its one
    signal row and gains this bank's entry and this source's provenance; re-importing the same
    source updates its classification instead of duplicating it. `variants` maps a PDQ value to
    extra (label, hash) pairs computed from the media, for copies that were edited."""
    ids, new_signals = _upsert_signals(session, records)
    entries, new_entries = _upsert_entries(session, bank, [ids[(r.signal_type, r.value)]
                                                           for r in records])
    existing = store.provenance_keys(session, [e.id for e in entries.values()])
    new_provenance = 0
    for rec in records:
        entry = entries[ids[(rec.signal_type, rec.value)]]
        key = (entry.id, rec.contributor or "", rec.source_list or "")
        row = existing.get(key)
        if row is None:
            row = Provenance(entry_id=entry.id, contributor=key[1], source_list=key[2])
            session.add(row)
            existing[key] = row
            new_provenance += 1
        row.contributed_at = rec.contributed_at
        row.classifications = dict(rec.classifications)
        row.jurisdictions = list(rec.jurisdictions)
        row.note = rec.note
        row.item, row.content_type = rec.item, rec.content_type
    _add_variants(session, records, ids, variants or {})
    session.add_all([IndexChange(signal_id=s) for s in new_entries])
    record(session, actor, "bank.import", "bank", bank.id, records=len(records),
           new_signals=new_signals, new_entries=len(new_entries))
    return ImportResult(bank=bank.name, records=len(records), new_signals=new_signals,
                        new_entries=len(new_entries), new_provenance=new_provenance)


def _add_variants(session: Session, records: list[HashRecord], ids: dict[tuple[str, str], int],
                  extra: dict[str, list[tuple[str, str]]]) -> None:
    """Index variants: a PDQ signal's own hash plus any extra (rotations, crops); a vPDQ
    signal's frames, so a video is found through any of its frames."""
    indexed = {ids[(r.signal_type, r.value)]: (r.signal_type, r.value) for r in records
               if r.signal_type in ("pdq", "vpdq")}
    have = store.variant_labels(session, list(indexed))
    for signal_id, (signal_type, value) in indexed.items():
        own = [(ORIGINAL, value)] if signal_type == "pdq" else []
        for label, hex_value in [*own, *extra.get(value, [])]:
            if (signal_id, label) not in have:
                have.add((signal_id, label))
                session.add(SignalVariant(signal_id=signal_id, label=label, value=hex_value))
    session.flush()


def set_entry_enabled(session: Session, bank: Bank, signal_type: str, value: str,
                      enabled: bool, actor: Actor) -> None:
    ids = store.signals_by_key(session, [(signal_type, value)])
    signal_id = ids.get((signal_type, value))
    entry = store.entries_by_signal(session, bank.id, [signal_id]).get(signal_id) \
        if signal_id else None
    if entry is None:
        raise BankError(f"bank {bank.name!r} has no {signal_type} entry {value}")
    session.execute(update(BankEntry).where(BankEntry.id == entry.id).values(enabled=enabled))
    session.add(IndexChange(signal_id=entry.signal_id))
    record(session, actor, "bank.entry.enable" if enabled else "bank.entry.disable",
           "bank_entry", entry.id, bank=bank.name)


def export_records(session: Session, bank: Bank) -> list[HashRecord]:
    """One record per (entry, source), so an export loses no provenance."""
    rows = session.execute(
        select(BankSignal.signal_type, BankSignal.value, Provenance)
        .join(BankEntry, BankEntry.signal_id == BankSignal.id)
        .join(Provenance, Provenance.entry_id == BankEntry.id)
        .where(BankEntry.bank_id == bank.id, BankEntry.enabled.is_(True))
        .order_by(BankEntry.id, Provenance.id))
    return [
        HashRecord(signal_type=t, value=v, classifications=dict(p.classifications),
                   jurisdictions=tuple(p.jurisdictions), contributor=p.contributor or None,
                   source_list=p.source_list or None, contributed_at=p.contributed_at,
                   note=p.note, item=p.item, content_type=p.content_type)
        for t, v, p in rows
    ]


def consistency_report(session: Session) -> tuple[list[Disagreement], list[NegativeConflict]]:
    """Hashes whose sources disagree: different labels under one scheme, or a hash that one
    bank says is abuse material and a negative bank says is benign."""
    multi = (select(BankEntry.signal_id).group_by(BankEntry.signal_id)
             .having(func.count(Provenance.id) > 1)
             .join(Provenance, Provenance.entry_id == BankEntry.id))
    rows = session.execute(
        select(BankSignal.signal_type, BankSignal.value, Bank.name, Bank.kind, Provenance)
        .join(BankEntry, BankEntry.signal_id == BankSignal.id)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .join(Provenance, Provenance.entry_id == BankEntry.id)
        .where(BankSignal.id.in_(multi))
        .order_by(BankSignal.id))
    labels: dict[tuple[str, str, str], dict[str, list[str]]] = defaultdict(
        lambda: defaultdict(list))
    kinds: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for signal_type, value, bank_name, kind, prov in rows:
        source = f"{bank_name} / {prov.contributor or 'unknown'}"
        for scheme, label in prov.classifications.items():
            labels[(signal_type, value, scheme)][str(label)].append(source)
        kinds[(signal_type, value)][kind].add(bank_name)
    disagreements = [
        Disagreement(signal_type=t, value=v, scheme=s, labels=dict(by_label))
        for (t, v, s), by_label in labels.items() if len(by_label) > 1
    ]
    conflicts = [
        NegativeConflict(signal_type=t, value=v, positive_banks=sorted(k["positive"]),
                         negative_banks=sorted(k["negative"]))
        for (t, v), k in kinds.items() if k["positive"] and k["negative"]
    ]
    return disagreements, conflicts
