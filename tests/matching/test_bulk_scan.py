"""`tipline scan` on Dask: a local cluster of two workers (threads, to keep the test light)
scans a folder, loads the bank index once per process, shows progress, and an interrupted
scan resumes from its checkpoint without redoing finished files."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from tipline.audit.service import Actor
from tipline.banks import service
from tipline.banks.media import records_from_media
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.matching import bulk
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg, variants


class Interrupted(Exception):
    pass


@pytest.fixture
def fresh_workers() -> Iterator[None]:
    bulk.forget()
    yield
    bulk.forget()


def folder_of_copies(state: AppState, root: Path) -> Path:
    known = generate(51)
    records, extra = records_from_media(to_jpeg(known), HashRecord("", "", contributor="NGO"))
    with state.db.transaction() as s:
        bank = service.create_bank(s, BankCreate(name="known"), Actor("test"))
        service.add_records(s, bank, records, Actor("test"), variants=extra)
    folder = root / "archive"
    (folder / "deep").mkdir(parents=True)
    copies = variants(known)
    for kind in ("resized_50", "rot90", "mirror", "border"):
        (folder / f"{kind}.jpg").write_bytes(copies[kind])
    for seed in range(6):
        (folder / "deep" / f"other{seed}.jpg").write_bytes(to_jpeg(generate(200 + seed)))
    return folder


def test_scan_on_two_workers_resumes_after_an_interruption(state: AppState, tmp_path: Path,
                                                           fresh_workers: None) -> None:
    folder = folder_of_copies(state, tmp_path)
    checkpoint = tmp_path / "scan.jsonl"
    url = state.settings.resolved_database_url

    def stop_after_two(done: int) -> None:
        if done == 2:
            raise Interrupted

    with bulk.dask_client(None, 2, processes=False) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        with pytest.raises(Interrupted):
            bulk.bulk_scan(url, folder, checkpoint, client, files_per_task=2,
                           on_task=stop_after_two)
    first = checkpoint.read_text().splitlines()
    assert 4 <= len(first) < 10  # two tasks of two files were checkpointed, not all

    screen = io.StringIO()
    with bulk.dask_client(None, 2, processes=False) as client, \
            bulk.progress_bar(Console(file=screen, width=120, force_terminal=False)) as bar:
        rows = bulk.bulk_scan(url, folder, checkpoint, client, files_per_task=2, progress=bar)
    lines = [json.loads(line) for line in checkpoint.read_text().splitlines()]
    assert len(lines) == 10 and len({r["path"] for r in lines}) == 10  # nothing done twice
    by_path = {r.path: r for r in rows}
    assert len(by_path) == 10
    assert all(by_path[f"{k}.jpg"].matched for k in ("resized_50", "rot90", "mirror", "border"))
    assert not any(by_path[f"deep/other{s}.jpg"].matched for s in range(6))
    assert bulk.loads == 1  # both workers are threads of this process: one load, ten tasks
    assert "10/10" in screen.getvalue() and "files/s" in screen.getvalue()
