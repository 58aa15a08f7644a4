from __future__ import annotations

import datetime as dt
import secrets

import pytest
from sqlalchemy import func, select, text

from tipline.audit.service import Actor
from tipline.banks import service
from tipline.banks.models import BankEntry, BankSignal, IndexChange, Provenance, SignalVariant
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.state import AppState

ACTOR = Actor("test")


def pdq() -> str:
    return secrets.token_hex(32)


def rec(value: str, signal_type: str = "pdq", **kw: object) -> HashRecord:
    return HashRecord(signal_type=signal_type, value=value, **kw)  # type: ignore[arg-type]


def test_same_hash_in_two_banks_is_stored_once(state: AppState) -> None:
    shared = pdq()
    with state.db.transaction() as s:
        a = service.create_bank(s, BankCreate(name="A"), ACTOR)
        b = service.create_bank(s, BankCreate(name="B"), ACTOR)
        service.add_records(s, a, [rec(shared, contributor="NGO-1",
                                       classifications={"industry": "A1"})], ACTOR)
        result = service.add_records(s, b, [rec(shared, contributor="NGO-2",
                                                classifications={"industry": "B2"})], ACTOR)
    assert result.new_signals == 0 and result.new_entries == 1
    with state.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BankSignal)) == 1
        assert s.scalar(select(func.count()).select_from(BankEntry)) == 2
        contributors = set(s.scalars(select(Provenance.contributor)))
        assert contributors == {"NGO-1", "NGO-2"}
        disagreements, conflicts = service.consistency_report(s)
    [d] = disagreements
    assert d.scheme == "industry" and set(d.labels) == {"A1", "B2"}
    assert conflicts == []


def test_reimport_updates_provenance_instead_of_duplicating(state: AppState) -> None:
    value = pdq()
    with state.db.transaction() as s:
        bank = service.create_bank(s, BankCreate(name="A"), ACTOR)
        service.add_records(s, bank, [rec(value, contributor="X", source_list="L",
                                          classifications={"uk": "C"})], ACTOR)
        again = service.add_records(s, bank, [rec(value, contributor="X", source_list="L",
                                                  classifications={"uk": "A"})], ACTOR)
    assert again.new_provenance == 0
    with state.db.sessions() as s:
        [p] = s.scalars(select(Provenance))
        assert p.classifications == {"uk": "A"}


def test_negative_bank_conflict_is_reported(state: AppState) -> None:
    value = secrets.token_hex(16)
    with state.db.transaction() as s:
        pos = service.create_bank(s, BankCreate(name="known"), ACTOR)
        neg = service.create_bank(s, BankCreate(name="benign", kind="negative"), ACTOR)
        service.add_records(s, pos, [rec(value, "md5", contributor="A")], ACTOR)
        service.add_records(s, neg, [rec(value, "md5", contributor="B")], ACTOR)
        _, conflicts = service.consistency_report(s)
    [c] = conflicts
    assert c.positive_banks == ["known"] and c.negative_banks == ["benign"]


def test_pdq_entries_get_index_variants_and_changes(state: AppState) -> None:
    value = pdq()
    with state.db.transaction() as s:
        bank = service.create_bank(s, BankCreate(name="A"), ACTOR)
        service.add_records(s, bank, [rec(value)], ACTOR,
                            variants={value: [("original:rot90", pdq())]})
        service.set_entry_enabled(s, bank, "pdq", value, False, ACTOR)
    with state.db.sessions() as s:
        labels = set(s.scalars(select(SignalVariant.label)))
        assert labels == {"original:original", "original:rot90"}
        assert s.scalar(select(func.count()).select_from(IndexChange)) == 2
        assert s.scalar(select(BankEntry.enabled)) is False


def test_export_keeps_every_provenance(state: AppState) -> None:
    value = pdq()
    when = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    records = [rec(value, contributor="A", contributed_at=when, jurisdictions=("GB", "US"),
                   classifications={"industry": "A1"}),
               rec(value, contributor="B", classifications={"industry": "A2"}, note="x")]
    with state.db.transaction() as s:
        bank = service.create_bank(s, BankCreate(name="A"), ACTOR)
        service.add_records(s, bank, records, ACTOR)
        exported = service.export_records(s, bank)
    assert exported == records


def test_import_is_all_or_nothing(state: AppState) -> None:
    with state.db.transaction() as s:
        service.create_bank(s, BankCreate(name="A"), ACTOR)
    with pytest.raises(RuntimeError), state.db.transaction() as s:
        bank = service.require_bank(s, "A")
        service.add_records(s, bank, [rec(pdq()) for _ in range(50)], ACTOR)
        raise RuntimeError("the import failed half-way")
    with state.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BankSignal)) == 0
        assert s.execute(text("select count(*) from bank_provenance")).scalar() == 0


def test_duplicate_bank_name_is_refused(state: AppState) -> None:
    with state.db.transaction() as s:
        service.create_bank(s, BankCreate(name="A"), ACTOR)
        with pytest.raises(service.BankError):
            service.create_bank(s, BankCreate(name="A"), ACTOR)
