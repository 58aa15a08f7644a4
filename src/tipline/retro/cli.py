"""`tipline retro ...`: retroactive matching by hand (status, a backfill on Dask)."""

from __future__ import annotations

import typer
from rich.console import Console

from tipline import cli_context
from tipline.cli_context import database

app = typer.Typer(help="Retroactive matching: history re-matched when the banks change.",
                  no_args_is_help=True)
console = Console()


@app.command()
def status() -> None:
    """Where retroactive matching stands in the bank change log."""
    from tipline.retro import store
    from tipline.retro.models import RetroCursor

    with database() as db, db.sessions() as session:
        head, entries = store.log_head(session), store.entries_head(session)
        cursor = session.get(RetroCursor, store.CURSOR)
    done = cursor.last_seq if cursor else 0
    console.print(f"bank log: {head}, re-matched up to {done} ({head - done} behind); "
                  f"bank entries up to {entries}, followed up to "
                  f"{cursor.last_entry_id if cursor else 0}")
    if cursor:
        console.print(f"{cursor.signals} changed signals read, {cursor.files} files changed")


@app.command()
def run(
    scheduler: str | None = typer.Option(None, help="Address of an existing Dask scheduler "
                                         "(default: a local cluster)."),
    workers: int = typer.Option(2, min=1, help="Workers of the local cluster."),
    threads: bool = typer.Option(False, "--threads", help="Local workers as threads of this "
                                 "process instead of processes."),
) -> None:
    """Re-match history up to the end of the bank log now, on Dask (a backfill); resumable:
    the cursor moves with each applied batch."""
    from tipline.matching.bulk import dask_client, progress_bar
    from tipline.matching.live import LiveIndex
    from tipline.retro import bulk

    settings = cli_context.settings()
    with database() as db:
        index = LiveIndex(db, settings.data_dir / "index")
        index.open()
        try:
            with dask_client(scheduler, workers, processes=not threads) as client, \
                    progress_bar() as progress:
                total = bulk.run(db, index, client, settings.resolved_database_url,
                                 max_signals=settings.retro_batch_signals, progress=progress)
        finally:
            index.stop()
    console.print(f"{total.signals} changed signals, {total.candidates} candidate files, "
                  f"{total.changed_files} files' matches changed, {total.cases} cases queued")
