"""Streaming bulk imports on both databases: bounded memory, all or nothing, incremental
re-imports that say what changed, and a follower that reads nothing when nothing changed."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tipline.audit.service import Actor
from tipline.banks import changes, staging, usecases
from tipline.banks.formats import FORMATS
from tipline.banks.models import BankEntry, BankSignal, IndexChange, Provenance
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.errors import DomainError
from tipline.matching.live import LiveIndex
from tipline.state import AppState

ACTOR = Actor("test")
SIZE = 2_500
CHUNK = 1_000  # smaller than the file, so the import runs in several chunks


def pdq_list(n: int, label: str = "A1") -> list[HashRecord]:
    return [HashRecord("pdq", secrets.token_hex(32), classifications={"industry": label},
                       source_list="daily", contributor="NGO") for _ in range(n)]


def write(path: Path, records: list[HashRecord], fmt: str = "csv") -> Path:
    path.write_bytes(FORMATS[fmt].write(records))
    return path


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every chunk the staging writer receives."""
    seen: list[int] = []
    real = staging.chunks

    def spy(records, size=CHUNK):  # type: ignore[no-untyped-def]
        for part in real(records, CHUNK):
            seen.append(len(part))
            yield part
    monkeypatch.setattr(staging, "chunks", spy)
    return seen


def import_file(state: AppState, path: Path, fmt: str = "auto", replace: bool = False):  # type: ignore[no-untyped-def]
    return usecases.import_file(state.db, None, "list", path, fmt, ACTOR, replace=replace)


@pytest.mark.parametrize("fmt", ["csv", "hma", "vics"])
def test_streaming_import_holds_one_chunk(state: AppState, tmp_path: Path,
                                          small_chunks: list[int], fmt: str) -> None:
    usecases.create_bank(state.db, None, BankCreate(name="list"), ACTOR)
    records = pdq_list(SIZE)
    if fmt == "vics":  # VICS Media are keyed on MD5
        records = [HashRecord("md5", secrets.token_hex(16), item=str(i))
                   for i in range(SIZE)]
    result = import_file(state, write(tmp_path / f"list.{fmt}", records, fmt))
    assert result.records == SIZE and result.new_entries == SIZE
    assert small_chunks and max(small_chunks) <= CHUNK and sum(small_chunks) == SIZE
    with state.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BankEntry)) == SIZE


def test_bad_row_mid_file_stores_nothing(state: AppState, tmp_path: Path,
                                         small_chunks: list[int]) -> None:
    usecases.create_bank(state.db, None, BankCreate(name="list"), ACTOR)
    path = write(tmp_path / "list.csv", pdq_list(SIZE))
    lines = path.read_bytes().split(b"\r\n")
    lines[2000] = b"pdq,not-a-hash" + b"," * (lines[2000].count(b","))
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(DomainError, match="line 2001"):
        import_file(state, path)
    assert sum(small_chunks) >= CHUNK  # it failed after whole chunks were staged
    with state.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BankSignal)) == 0
        assert s.scalar(select(func.count()).select_from(Provenance)) == 0


def test_reimport_counts_only_what_changed(state: AppState, tmp_path: Path) -> None:
    usecases.create_bank(state.db, None, BankCreate(name="list"), ACTOR)
    first = pdq_list(SIZE)
    import_file(state, write(tmp_path / "v1.csv", first))
    again = import_file(state, write(tmp_path / "v1b.csv", first))
    assert (again.new_entries, again.reclassified, again.removed, again.unchanged) == \
        (0, 0, 0, SIZE)
    # next version: 10 dropped, 5 re-classified, 20 new
    nxt = first[10:]
    nxt[:5] = [HashRecord("pdq", r.value, classifications={"industry": "B2"},
                          source_list="daily", contributor="NGO") for r in nxt[:5]]
    nxt += pdq_list(20)
    result = import_file(state, write(tmp_path / "v2.csv", nxt), replace=True)
    assert (result.new_entries, result.new_provenance, result.reclassified, result.removed,
            result.disabled_entries, result.unchanged) == (20, 20, 5, 10, 10, SIZE - 15)
    with state.db.sessions() as s:
        live = s.scalar(select(func.count()).select_from(BankEntry)
                        .where(BankEntry.enabled.is_(True)))
        assert live == SIZE - 10 + 20
    back = import_file(state, write(tmp_path / "v3.csv", first[:10] + nxt), replace=True)
    assert back.removed == 0 and back.new_provenance == 10  # the dropped ten come back
    with state.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BankEntry)
                        .where(BankEntry.enabled.is_(True))) == SIZE + 20


def test_follower_reads_nothing_when_nothing_changed(state: AppState, tmp_path: Path) -> None:
    index = LiveIndex(state.db, tmp_path / "index")
    index.open()
    usecases.create_bank(state.db, None, BankCreate(name="list"), ACTOR)
    records = pdq_list(SIZE)
    import_file(state, write(tmp_path / "list.csv", records))
    assert index.sync() == SIZE and len(index) == SIZE
    read = index.rows_read
    for _ in range(5):
        assert index.sync() == 0
    assert index.rows_read - read == 5  # one head query per poll, no change-log rows
    usecases.add_entry(state.db, None, "list", pdq_list(1)[0], ACTOR)
    assert index.sync() == 1
    assert index.rows_read - read == 5 + 1 + 1  # that poll read one variant
    assert index.query(records[7].value, 0)
    index.stop()


def test_single_add_is_matchable(state: AppState, tmp_path: Path) -> None:
    index = LiveIndex(state.db, tmp_path / "index")
    index.open()
    usecases.create_bank(state.db, None, BankCreate(name="list"), ACTOR)
    [record] = pdq_list(1)
    usecases.add_entry(state.db, None, "list", record, ACTOR, on_commit=index.sync)
    assert index.query(record.value, 0)
    usecases.set_entry_enabled(state.db, None, "list", "pdq", record.value, False, ACTOR,
                               on_commit=index.sync)
    assert index.query(record.value, 0) == []
    index.stop()


def test_bulk_import_logs_id_ranges_and_readers_see_every_signal(state: AppState,
                                                                 tmp_path: Path) -> None:
    usecases.create_bank(state.db, None, BankCreate(name="list"), ACTOR)
    import_file(state, write(tmp_path / "list.csv", pdq_list(SIZE)))
    with state.db.sessions() as s:
        logged = s.scalar(select(func.count()).select_from(IndexChange))
        head = changes.latest_seq(s)
        assert head is not None and changes.latest_seq(s, head) is None
        signals = sorted(s.scalars(select(BankSignal.id)))
        assert changes.changed_signals(s, 0, head) == signals
    assert logged is not None and logged < 10  # runs of new ids, not a row per signal


def test_change_ranges_skip_ids_that_were_not_touched(state: AppState) -> None:
    assert changes.id_ranges([7, 3, 4, 5, 9, 4]) == [(3, 5), (7, 7), (9, 9)]
    with state.db.transaction() as s:
        s.add_all([BankSignal(signal_type="md5", value=secrets.token_hex(16)) for _ in range(6)])
        s.flush()
        ids = sorted(s.scalars(select(BankSignal.id)))
        seq = changes.log_signals(s, [ids[0], ids[1], ids[4]])
        later = changes.log_signals(s, [ids[2]])
    with state.db.sessions() as s:
        assert changes.changed_signals(s, 0, seq) == [ids[0], ids[1], ids[4]]
        assert changes.changed_signals(s, seq, later) == [ids[2]]
        assert changes.changed_signals(s, 0, later) == [ids[0], ids[1], ids[2], ids[4]]


def test_the_same_file_again_is_not_read(state: AppState, tmp_path: Path,
                                         small_chunks: list[int]) -> None:
    usecases.create_bank(state.db, None, BankCreate(name="list"), ACTOR)
    path = write(tmp_path / "list.csv", pdq_list(SIZE))
    import_file(state, path)
    staged = len(small_chunks)
    again = import_file(state, path)
    assert again.identical and (again.records, again.unchanged) == (SIZE, SIZE)
    assert len(small_chunks) == staged  # nothing parsed or staged
    replaced = import_file(state, path, replace=True)  # another mode is another import
    assert not replaced.identical and replaced.unchanged == SIZE
    with state.db.sessions() as s:
        value = s.scalar(select(BankSignal.value).limit(1))
    assert value is not None
    usecases.set_entry_enabled(state.db, None, "list", "pdq", value, False, ACTOR)
    after_change = import_file(state, path, replace=True)  # the bank changed since
    assert not after_change.identical and after_change.unchanged == SIZE
