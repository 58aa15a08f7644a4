"""The retroactive matching job, run step by step in the test process on both databases:
exact hashes, negative banks, replays, and the cursor that makes it incremental."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from linking_support import login, processed, submit
from tipline.audit.service import Actor
from tipline.banks import usecases as banks
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.hashing.pdq import pdq_hash
from tipline.matching.models import FileMatch
from tipline.reports.models import FileSignal, ReportFile
from tipline.retro.jobs import RetroWatcher
from tipline.retro.models import RetroCursor
from tipline.retro.service import REROUTE
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg
from tipline.workqueue.models import PENDING, WorkItem

ACTOR = Actor("test")


@pytest.fixture
def live(state: AppState) -> Iterator[AppState]:
    state.index.open()
    yield state
    state.index.stop()


def catch_up(state: AppState) -> list[str]:
    """What the watcher and the work-items worker do in a worker process; the queues run."""
    RetroWatcher(state.db).run_one()
    with state.db.sessions() as s:
        queued = sorted({q for q in s.scalars(select(WorkItem.queue)
                                              .where(WorkItem.status == PENDING))})
    state.items.run_until_idle()
    return queued


def matches(state: AppState, report_id: int) -> list[tuple[str, bool]]:
    with state.db.sessions() as s:
        return sorted((m.signal_type, m.suppressed) for m in s.scalars(
            select(FileMatch).join(ReportFile, ReportFile.id == FileMatch.file_id)
            .where(ReportFile.report_id == report_id)))


def add(state: AppState, bank: str, kind: str, signal_type: str, value: str) -> None:
    if bank not in {b.name for b in banks.list_banks(state.db, None)}:
        banks.create_bank(state.db, None, BankCreate(name=bank, kind=kind), ACTOR)
    banks.add_entry(state.db, None, bank, HashRecord(signal_type, value, contributor="NGO"),
                    ACTOR)


def test_exact_hashes_negative_banks_and_replays(live: AppState) -> None:
    state = live
    data = to_jpeg(generate(77))
    other = to_jpeg(generate(78))
    reporter = login(state)
    report_id = submit(state, reporter, {"a.jpg": data}, account="acct-1")
    untouched = submit(state, reporter, {"b.jpg": other}, account="acct-2")
    processed(state, report_id, untouched)
    assert catch_up(state) == []  # nothing in the log yet: nothing queued

    with state.db.sessions() as s:
        md5 = s.scalar(select(ReportFile.md5).where(ReportFile.report_id == report_id))
    add(state, "known", "positive", "md5", md5)
    assert catch_up(state) == ["retro-match"]
    assert matches(state, report_id) == [("md5", False)]
    assert matches(state, untouched) == []
    with state.db.sessions() as s:
        queued = set(s.execute(select(WorkItem.queue, WorkItem.status)))
    assert (REROUTE, "done") in queued  # routed, re-triaged and re-delivered there

    # The same hash's PDQ in a negative bank suppresses the match, kept and marked.
    add(state, "benign", "negative", "pdq", pdq_hash(data, fast=False).hex)
    catch_up(state)
    assert matches(state, report_id) == [("md5", True), ("pdq", False)]

    # A replay of the whole log from the start changes nothing.
    with state.db.transaction() as s:
        cursor = s.get(RetroCursor, "bank-log")
        assert cursor is not None and cursor.last_seq > 0
        cursor.last_seq = 0
    with state.db.sessions() as s:
        before = sorted(m.id for m in s.scalars(select(FileMatch)))
    catch_up(state)
    with state.db.sessions() as s:
        assert sorted(m.id for m in s.scalars(select(FileMatch))) == before


def test_the_job_reads_only_the_log_past_its_cursor(live: AppState) -> None:
    state = live
    reporter = login(state)
    report_id = submit(state, reporter, {"a.jpg": to_jpeg(generate(91))}, account="acct-1")
    processed(state, report_id)
    add(state, "known", "positive", "pdq", "0" * 64)  # near nothing stored
    catch_up(state)
    with state.db.sessions() as s:
        first = s.get(RetroCursor, "bank-log")
        assert first is not None
        assert (first.signals, first.files) == (1, 0)
    add(state, "known", "positive", "pdq", "f" * 64)
    catch_up(state)
    with state.db.sessions() as s:
        second = s.get(RetroCursor, "bank-log")
        assert second is not None
        assert second.signals == 2 and second.last_seq > first.last_seq
    assert state.retro.last is not None and state.retro.last.signals == 1


def test_the_stored_file_index_grows_by_what_was_hashed_since(live: AppState) -> None:
    state = live
    reporter = login(state)
    first = submit(state, reporter, {"a.jpg": to_jpeg(generate(93))}, account="acct-1")
    processed(state, first)
    files = state.retro.files
    with state.db.sessions() as s:
        added = files.catch_up(s)
        stored = s.scalar(select(func.count()).select_from(FileSignal)
                          .where(FileSignal.signal_type == "pdq"))
        assert added == stored == len(files) > 0
        assert files.catch_up(s) == 0  # nothing new: nothing read again
    second = submit(state, reporter, {"b.jpg": to_jpeg(generate(94))}, account="acct-2")
    processed(state, second)
    with state.db.sessions() as s:
        more = files.catch_up(s)
        assert more > 0 and len(files) == stored + more
