"""`tipline retro run`: the re-matching of history on a local Dask cluster of two workers
(threads, to keep the test light), resumable after an interruption; and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from linking_support import login, processed, submit
from tipline.audit.service import Actor
from tipline.banks import usecases as banks
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.cli import app
from tipline.hashing.pdq import pdq_hash
from tipline.matching.bulk import dask_client
from tipline.matching.models import FileMatch
from tipline.retro import bulk, store
from tipline.retro.models import RetroCursor
from tipline.retro.service import Outcome
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg, variants

ACTOR = Actor("test")


class Interrupted(Exception):
    pass


@pytest.fixture
def live(state: AppState) -> Iterator[AppState]:
    bulk.forget()
    state.index.open()
    yield state
    state.index.stop()
    bulk.forget()


def matched_reports(state: AppState) -> set[int]:
    with state.db.sessions() as s:
        return set(s.scalars(select(FileMatch.report_id)))


def cursor_at_head(state: AppState) -> bool:
    with state.db.sessions() as s:
        cursor = s.get(RetroCursor, store.CURSOR)
        return cursor is not None and cursor.last_seq == store.log_head(s)


def test_a_backfill_on_two_workers_resumes_after_an_interruption(live: AppState) -> None:
    state = live
    images = [generate(300 + i) for i in range(2)]
    reporter = login(state)
    reports = [submit(state, reporter, {"copy.jpg": variants(img)["resized_50"]},
                      account=f"acct-{i}") for i, img in enumerate(images)]
    processed(state, *reports)
    banks.create_bank(state.db, None, BankCreate(name="known"), ACTOR)
    for img in images:  # two bank transactions: two batches of one signal each
        value = pdq_hash(to_jpeg(img), fast=False).hex
        banks.add_entry(state.db, None, "known", HashRecord("pdq", value, contributor="NGO"),
                        ACTOR)

    def stop(_: Outcome) -> None:
        raise Interrupted

    url = state.settings.resolved_database_url
    with dask_client(None, 2, processes=False) as client:
        with pytest.raises(Interrupted):
            bulk.run(state.db, state.index, client, url, max_signals=1, on_batch=stop)
        assert len(matched_reports(state)) == 1 and not cursor_at_head(state)
        total = bulk.run(state.db, state.index, client, url, max_signals=1)
    assert total.signals == 1 and total.changed_files == 1  # only what was left
    assert matched_reports(state) == set(reports) and cursor_at_head(state)
    assert bulk.loads == 1  # the stored files' index was built once and reused


def test_the_cli_reports_and_runs(cli_env: None, live: AppState, tmp_path: Path) -> None:
    runner = CliRunner()
    banks.create_bank(live.db, None, BankCreate(name="known"), ACTOR)
    banks.add_entry(live.db, None, "known", HashRecord("pdq", "ab" * 32, contributor="NGO"),
                    ACTOR)
    result = runner.invoke(app, ["retro", "status"])
    assert result.exit_code == 0 and "1 behind" in result.output, result.output
    result = runner.invoke(app, ["retro", "run", "--threads", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "1 changed signals" in result.output
    assert "0 behind" in runner.invoke(app, ["retro", "status"]).output
