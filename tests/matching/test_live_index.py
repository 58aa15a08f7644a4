"""The live index follows the banks' change log, and restarts from disk without a rebuild."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tipline.audit.service import Actor
from tipline.banks import service
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.matching import live
from tipline.matching.live import LiveIndex
from tipline.state import AppState

ACTOR = Actor("test")


def add(state: AppState, bank: str, values: list[str]) -> None:
    with state.db.transaction() as s:
        target = service.store.bank_by_name(s, bank) or service.create_bank(
            s, BankCreate(name=bank), ACTOR)
        service.add_records(s, target, [HashRecord("pdq", v) for v in values], ACTOR)


def near(value: str, flips: int) -> str:
    number = int(value, 16)
    for bit in range(flips):
        number ^= 1 << (bit * 7)
    return f"{number:064x}"


def test_follows_adds_and_disables(state: AppState, tmp_path: Path) -> None:
    index = LiveIndex(state.db, tmp_path / "index")
    index.open()
    values = [secrets.token_hex(32) for _ in range(20)]
    add(state, "a", values)
    assert index.sync() == 20 and len(index) == 20
    assert [d for _, d in index.query(near(values[3], 5), 31)] == [5]
    with state.db.transaction() as s:
        service.set_entry_enabled(s, service.require_bank(s, "a"), "pdq", values[3], False,
                                  ACTOR)
    index.sync()
    assert index.query(values[3], 31) == [] and len(index) == 19
    assert index.sync() == 0  # nothing new: replays within the overlap are skipped


def test_restart_loads_from_disk_and_catches_up(state: AppState, tmp_path: Path) -> None:
    first = LiveIndex(state.db, tmp_path / "index")
    first.open()
    add(state, "a", [secrets.token_hex(32) for _ in range(10)])
    first.sync()
    first.stop()  # saves
    later = [secrets.token_hex(32) for _ in range(5)]
    add(state, "a", later)  # while no process was running
    second = LiveIndex(state.db, tmp_path / "index")
    second._build = None  # type: ignore[method-assign]  # a rebuild would fail the test
    second.open()
    assert len(second) == 15
    assert second.query(later[0], 0)
    second.stop()


def test_a_second_process_does_not_write_the_shared_folder(state: AppState,
                                                           tmp_path: Path) -> None:
    owner = LiveIndex(state.db, tmp_path / "index")
    owner.open()
    follower = LiveIndex(state.db, tmp_path / "index")
    follower.open()
    assert owner._writer and not follower._writer
    owner.stop()
    follower.stop()


def test_a_first_build_reads_the_banks_in_chunks(state: AppState, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    values = [secrets.token_hex(32) for _ in range(30)]
    add(state, "a", values)
    add(state, "b", values[:5])  # the same hashes in two banks: indexed once
    with state.db.transaction() as s:
        service.set_entry_enabled(s, service.require_bank(s, "a"), "pdq", values[9], False,
                                  ACTOR)
    monkeypatch.setattr(live, "CHUNK", 7)
    index = LiveIndex(state.db, tmp_path / "index")
    index.open()
    assert len(index) == 29
    assert all(index.query(v, 0) for v in values if v != values[9])
    assert index.query(values[9], 0) == []
    assert index.radius == 31  # the banks' widest threshold, what lookups ask for
    index.stop()
