"""Use cases of hash banks. Services never commit: an import is one transaction, all or nothing.

Every change that can alter what the match index should hold logs the signal in the same
transaction (`changes`), so every process's index follows within its poll interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.banks import changes, merge, staging, store
from tipline.banks.models import Bank, BankEntry, BankSignal, Provenance, SignalVariant
from tipline.banks.records import HashRecord
from tipline.banks.rules import Row, staging_row
from tipline.banks.schemas import (
    BankCreate,
    BankOut,
    Disagreement,
    ImportResult,
    NegativeConflict,
)


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


def import_records(session: Session, bank: Bank, records: Iterable[HashRecord], actor: Actor,
                   *, replace: bool = False, on_chunk: Callable[[int], None] | None = None,
                   variants: dict[str, list[tuple[str, str]]] | None = None) -> ImportResult:
    """`import_rows` of records."""
    return import_rows(session, bank, (staging_row(r) for r in records), actor,
                       replace=replace, on_chunk=on_chunk, variants=variants)


def import_rows(session: Session, bank: Bank, rows: Iterable[Row], actor: Actor,
                *, replace: bool = False, on_chunk: Callable[[int], None] | None = None,
                variants: dict[str, list[tuple[str, str]]] | None = None,
                digest: str | None = None) -> ImportResult:
    """Add hashes with their provenance to a bank, streaming: validated rows
    (`rules.STAGE_COLUMNS`) are staged chunk by chunk (`staging`) and merged with set-based
    statements (`merge`). The same hash already
    stored keeps its one signal row and gains this bank's entry and this source's provenance;
    re-importing a source rewrites only the provenance rows whose content changed. `replace`:
    the file is its sources' whole list, so what they no longer list is removed. `variants`
    maps a PDQ value to extra (label, hash) pairs computed from the media. `digest` names
    the file (its bytes, format and mode, `usecases.file_digest`): the same file as the bank's
    last import, with nothing changed in the bank since, is not read again."""
    if digest is not None and bank.import_digest == digest:
        return _identical(session, bank, actor)
    staging.create(session)
    loaded = staging.load(session, rows, on_chunk)
    counts = merge.merge(session, bank.id, replace, loaded)
    staging.drop(session)
    if variants:
        _add_variants(session, variants)
    result = ImportResult(
        bank=bank.name, records=loaded, new_signals=counts.new_signals,
        new_entries=counts.new_entries, new_provenance=counts.new_provenance,
        reclassified=counts.reclassified, unchanged=counts.unchanged, removed=counts.removed,
        disabled_entries=counts.disabled_entries)
    bank.import_digest, bank.import_records = digest, (loaded if digest else None)
    record(session, actor, "bank.import", "bank", bank.id, **result.model_dump(exclude={"bank"}))
    return result


def _identical(session: Session, bank: Bank, actor: Actor) -> ImportResult:
    """The bank's last import again: every record is as stored, and it says so."""
    records = bank.import_records or 0
    result = ImportResult(bank=bank.name, records=records, new_signals=0, new_entries=0,
                          new_provenance=0, unchanged=records, identical=True)
    record(session, actor, "bank.import", "bank", bank.id, **result.model_dump(exclude={"bank"}))
    return result


def add_records(session: Session, bank: Bank, records: list[HashRecord], actor: Actor,
                variants: dict[str, list[tuple[str, str]]] | None = None) -> ImportResult:
    """`import_records` of a list (media files, single entries, tests)."""
    return import_records(session, bank, records, actor, variants=variants)


def _add_variants(session: Session, extra: dict[str, list[tuple[str, str]]]) -> None:
    """Extra index variants of PDQ or vPDQ signals just merged (rotations and crops of an
    image; a video's frames, so it is found through any of them). The signals' entries were
    logged by the merge, and followers read variants when they apply the log."""
    keys = [(kind, value) for value in extra for kind in ("pdq", "vpdq")]
    ids = store.signals_by_key(session, keys)
    have = store.variant_labels(session, list(ids.values()))
    rows = [SignalVariant(signal_id=signal_id, label=label, value=hex_value)
            for (_, value), signal_id in ids.items() for label, hex_value in extra[value]
            if (signal_id, label) not in have]
    session.add_all(rows)
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
    bank.import_digest = None  # the bank no longer holds what its last file said
    changes.log_signals(session, [entry.signal_id])
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


def bank_out(bank: Bank, entries: int) -> BankOut:
    return BankOut(id=bank.id, name=bank.name, description=bank.description, kind=bank.kind,
                   pdq_threshold=bank.pdq_threshold, enabled=bank.enabled, entries=entries)


def bank_list(session: Session) -> list[BankOut]:
    """Every bank with its entry count (the API's list and the banks page)."""
    counts = store.entry_counts(session)
    return [bank_out(b, counts.get(b.id, 0)) for b in store.all_banks(session)]
