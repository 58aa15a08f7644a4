"""The re-matching of history on Dask distributed (`tipline retro run`), for large backfills:
a huge import, a new bank of millions of hashes, a first run over an old archive.

The stored files' hash index is what a worker loads once (`worker_files`, then caught up per
task). For each batch of the bank log, the changed hashes are split into tasks, each worker
answers which stored files are near its part, and the client applies the batch in one
transaction that also moves the cursor. The cursor is the checkpoint: an interrupted run
started again continues with the first batch not applied. The batch is read and its candidates
found before the write transaction starts, so a backfill never holds the write lock while the
cluster works; should another runner (the `retro-match` work item) apply the batch first, the
cursor has moved and this run skips it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from distributed import Client
from rich.progress import Progress

from tipline.db import Database
from tipline.matching.live import LiveIndex
from tipline.retro import store
from tipline.retro.fileindex import FileHashIndex
from tipline.retro.jobs import apply_batch, next_batch
from tipline.retro.service import NearRows, Outcome

HASHES_PER_TASK = 2_000
_loaded: dict[str, tuple[Database, FileHashIndex]] = {}
_lock = threading.Lock()
loads = 0  # indexes of stored file hashes this process built (for tests and benchmarks)


def worker_files(database_url: str) -> FileHashIndex:
    """This worker process's index of stored file hashes, built on its first task only."""
    global loads
    with _lock:
        found = _loaded.get(database_url)
        if found is None:
            found = _loaded[database_url] = (Database(database_url), FileHashIndex())
            loads += 1
    db, files = found
    with db.sessions() as session:
        files.catch_up(session)
    return files


def forget() -> None:
    global loads
    with _lock:
        loads = 0
        for db, _ in _loaded.values():
            db.dispose()
        _loaded.clear()


def near_task(database_url: str, variants: list[str], radius: int) -> list[int]:
    files = worker_files(database_url)
    return sorted({row for hits in files.near(variants, radius) for row, _ in hits})


def dask_near(client: Client, database_url: str) -> NearRows:
    def near(variants: list[str], radius: int) -> set[int]:
        futures = [client.submit(near_task, database_url, variants[i:i + HASHES_PER_TASK],
                                 radius, pure=False)
                   for i in range(0, len(variants), HASHES_PER_TASK)]
        return {row for part in client.gather(futures) for row in part}
    return near


def _found(rows: set[int]) -> NearRows:
    """The candidates found before the write transaction, as the batch's `NearRows`."""
    return lambda _variants, _radius: rows


def run(db: Database, index: LiveIndex, client: Client, database_url: str, *,
        max_signals: int = 20_000, progress: Progress | None = None,
        on_batch: Callable[[Outcome], None] = lambda _: None) -> Outcome:
    """Re-match history until the cursor reaches the end of the bank log; the totals."""
    near = dask_near(client, database_url)
    total = Outcome()
    task = None
    while True:
        with db.sessions() as session:
            batch = next_batch(session, max_signals)
            if batch is None:
                return total
            if progress is not None and task is None:
                head = store.log_head(session)
                task = progress.add_task("re-matching the bank log", total=head - batch.after_seq,
                                         rate="-")
            index.sync()
            radius = store.max_threshold(session)
            variants = store.live_pdq_variants(session, batch.signals)
            rows = near(variants, radius) if variants and radius is not None else set()
        with db.transaction() as session:
            outcome = apply_batch(session, index, _found(rows), batch)
        for name in ("signals", "candidates", "changed_files", "clusters", "cases"):
            setattr(total, name, getattr(total, name) + getattr(outcome, name))
        if progress is not None and task is not None:
            progress.advance(task, batch.end - batch.after_seq)
        on_batch(outcome)
