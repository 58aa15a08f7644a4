"""Read-only bank use cases of the pages (both databases): entry counts, keyset pages of
entries with provenance, the consistency report; the centre's staff only."""

from __future__ import annotations

import pytest

from tipline.audit.service import Actor
from tipline.banks import service
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.banks.views import usecases
from tipline.errors import Forbidden, NotFound
from tipline.state import AppState
from tipline.users.service import StaffUser

ANALYST = StaffUser(0, "a", "analyst", "Hotline", "US")


def _bank(state: AppState, entries: int) -> int:
    with state.db.transaction() as session:
        bank = service.create_bank(session, BankCreate(name="Views bank"), Actor("test"))
        service.add_records(session, bank, [
            HashRecord(signal_type="md5", value=f"{i:032x}", classifications={"industry": "A1"},
                       contributor="Hotline A") for i in range(entries)], Actor("test"))
        return bank.id


def test_banks_and_their_entries_page_by_page(state: AppState) -> None:
    bank_id = _bank(state, 5)
    assert [(b.name, b.entries) for b in usecases.list_banks(state.db, ANALYST)] == [
        ("Views bank", 5)]
    first = usecases.bank_entries(state.db, ANALYST, bank_id, limit=2)
    assert [e.value[-1] for e in first.entries] == ["0", "1"]
    assert first.entries[0].sources[0]["classifications"] == {"industry": "A1"}
    assert first.next_after is not None
    last = usecases.bank_entries(state.db, ANALYST, bank_id, after=first.next_after, limit=3)
    assert [e.value[-1] for e in last.entries] == ["2", "3", "4"] and last.next_after is None
    with pytest.raises(NotFound):
        usecases.bank_entries(state.db, ANALYST, 987654)
    report = usecases.consistency(state.db, ANALYST)
    assert report.disagreements == [] and report.conflicts == []


def test_agency_users_may_not_read_banks(state: AppState) -> None:
    with pytest.raises(Forbidden):
        usecases.list_banks(state.db, StaffUser(0, "g", "agency", "AG", "DE"))
