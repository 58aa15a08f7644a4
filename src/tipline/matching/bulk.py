"""Bulk work on Dask distributed: `tipline scan` of large folders (and, in `tipline.retro`,
the re-matching of history), on a local cluster by default or an existing one.

Each worker process loads the bank index once (`worker_matcher`, kept for the life of the
process and only caught up with the change log per task), so a task costs its files' hashing
and one batched lookup. Results are appended to a checkpoint (one JSON line per file, flushed
per finished task): an interrupted scan started again with the same checkpoint skips what is
done. The client shows a Rich progress bar (files, rate, time left).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster, as_completed
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from tipline.db import Database
from tipline.matching.live import LiveIndex
from tipline.matching.scan import ScanRow, media_files, scan_many

FILES_PER_TASK = 32
_loaded: dict[str, tuple[Database, LiveIndex]] = {}
_load_lock = threading.Lock()
loads = 0  # how many times this process loaded a bank index (for tests and benchmarks)


def worker_matcher(database_url: str) -> tuple[Database, LiveIndex]:
    """The bank index of this worker process, loaded on its first task only."""
    global loads
    with _load_lock:
        found = _loaded.get(database_url)
        if found is None:
            db = Database(database_url)
            index = LiveIndex(db, None)
            index.open()
            found = _loaded[database_url] = (db, index)
            loads += 1
    found[1].sync()  # entries added since: the change log since the last task, often nothing
    return found


def forget() -> None:
    """Drop this process's loaded indexes (a test's database is gone after it)."""
    global loads
    with _load_lock:
        loads = 0
        for db, _ in _loaded.values():
            db.dispose()
        _loaded.clear()


def scan_task(database_url: str, root: str, paths: list[str]) -> list[dict[str, Any]]:
    """One task: hash these files and look them up in the worker's index."""
    db, index = worker_matcher(database_url)
    return [asdict(r) for r in scan_many(db, index, [Path(p) for p in paths], Path(root))]


@contextmanager
def dask_client(scheduler: str | None, workers: int = 2, processes: bool = True
                ) -> Iterator[Client]:
    """A client of the cluster at `scheduler`, or of a local cluster of `workers` workers of
    one thread each (processes, unless `processes=False`: threads of this process)."""
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def progress_bar(console: Console | None = None) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TaskProgressColumn(), TextColumn("{task.fields[rate]} files/s"),
                    TimeRemainingColumn(), console=console or Console(stderr=True))


def read_checkpoint(path: Path) -> dict[str, ScanRow]:
    """Rows already done; a last line cut short by a crash is ignored (its files rerun)."""
    done: dict[str, ScanRow] = {}
    if not path.exists():
        return done
    for line in path.read_text().splitlines():
        try:
            row = ScanRow(**json.loads(line))
        except (ValueError, TypeError):
            continue
        done[row.path] = row
    return done


def _append(out: Any, rows: Sequence[dict[str, Any]]) -> None:
    out.write("".join(json.dumps(r) + "\n" for r in rows))
    out.flush()
    os.fsync(out.fileno())


def bulk_scan(database_url: str, root: Path, checkpoint: Path, client: Client, *,
              files_per_task: int = FILES_PER_TASK, progress: Progress | None = None,
              on_task: Callable[[int], None] = lambda _: None) -> list[ScanRow]:
    """Scan every file under `root` on the cluster, resuming from `checkpoint`; the rows of
    all files, in path order. `on_task(tasks done)` runs after each task is checkpointed."""
    paths = media_files(root)
    done = read_checkpoint(checkpoint)
    todo = [str(p) for p in paths if str(p.relative_to(root)) not in done]
    parts = [todo[i:i + files_per_task] for i in range(0, len(todo), files_per_task)]
    futures = [client.submit(scan_task, database_url, str(root), part, pure=False)
               for part in parts]
    task = progress.add_task("scanning", total=len(paths), completed=len(paths) - len(todo),
                             rate="-") if progress else None
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    with checkpoint.open("a") as out:
        for finished, future in enumerate(as_completed(futures), start=1):
            rows = future.result()
            _append(out, rows)
            done.update((r["path"], ScanRow(**r)) for r in rows)
            if progress is not None and task is not None:
                progress.advance(task, len(rows))
                speed = progress.tasks[task].speed
                progress.update(task, rate=f"{speed:.1f}" if speed else "-")
            on_task(finished)
    return [done[str(p.relative_to(root))] for p in paths if str(p.relative_to(root)) in done]
