"""The `tipline` command line. Every command is documented in docs/cli.md (tested)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from tipline import __version__, cli_context
from tipline.agencies import cli as agencies_cli
from tipline.alerts import cli as alerts_cli
from tipline.audit import cli as audit_cli
from tipline.audit.service import Actor
from tipline.banks import cli as banks_cli
from tipline.cases import cli as cases_cli
from tipline.cli_context import database
from tipline.cli_context import settings as _settings
from tipline.delivery import cli as delivery_cli
from tipline.evidence import cli as evidence_cli
from tipline.feedback import cli as feedback_cli
from tipline.reporters import cli as reporters_cli
from tipline.retro import cli as retro_cli
from tipline.routing import cli as routing_cli
from tipline.takedown import cli as takedown_cli
from tipline.transparency import cli as transparency_cli
from tipline.triage import cli as triage_cli
from tipline.users import cli as users_cli

if TYPE_CHECKING:
    from tipline.state import AppState

app = typer.Typer(help="tipline: a reporting centre for CSEAI reports.", no_args_is_help=True,
                  cls=cli_context.KindGroup, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
reporters_app = typer.Typer(help="Reporter organisations and their credentials.",
                            no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(banks_cli.app, name="banks")
app.add_typer(retro_cli.app, name="retro")
app.add_typer(reporters_app, name="reporters")
reporters_app.command("key-add")(reporters_cli.key_add)
reporters_app.command("key-list")(reporters_cli.key_list)
reporters_app.command("key-revoke")(reporters_cli.key_revoke)
app.add_typer(users_cli.app, name="users")
app.add_typer(triage_cli.app, name="triage")
app.add_typer(cases_cli.app, name="cases")
app.add_typer(agencies_cli.app, name="agencies")
app.add_typer(routing_cli.app, name="routing")
app.add_typer(alerts_cli.app, name="alerts")
# The forecast reads routes and deliveries, which sit above the registry: composed here.
agencies_cli.app.command("forecast")(delivery_cli.forecast)
# Feedback on bank entries reads outcomes and reviews, which sit above the banks: composed here.
banks_cli.app.command("feedback")(feedback_cli.feedback)
app.command("worklist")(triage_cli.worklist)
app.add_typer(delivery_cli.app, name="deliveries")
app.command("deliver")(delivery_cli.deliver)
app.add_typer(evidence_cli.app, name="evidence")
app.add_typer(transparency_cli.app, name="report")
app.add_typer(takedown_cli.app, name="takedown")
app.add_typer(evidence_cli.keys_app, name="keys")
app.add_typer(audit_cli.app, name="audit")
console = cli_context.console()
CLI = Actor("cli")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create or migrate the database schema to the latest revision."""
    from tipline.migrate import upgrade

    settings = _settings()
    with database(settings, migrating=True) as db:
        upgrade(db, revision)
    console.print(f"database at {_redact(settings.resolved_migration_database_url)} is at "
                  f"{revision}")


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@reporters_app.command("add")
def reporters_add(
    name: str = typer.Argument(..., help="Organisation name."),
    username: str = typer.Option(..., help="Login for the APIs."),
    password: str = typer.Option(..., prompt=True, hide_input=True, help="At least 12 chars."),
    kind: str = typer.Option("platform", help="platform, hotline, trusted_flagger, ngo ..."),
    country: str | None = typer.Option(None, help="ISO 3166 alpha-2 country code."),
) -> None:
    """Register a reporter organisation with API credentials."""
    from tipline.reporters.schemas import ReporterCreate
    from tipline.reporters.service import create_reporter

    try:
        data = ReporterCreate(name=name, username=username, password=password, kind=kind,
                              country=country)
        with database() as db, db.transaction() as session:
            reporter = create_reporter(session, data, CLI)
            console.print(f"reporter {reporter.id} {name!r} created (username {username})")
    except ValueError as exc:
        console.print(f"[red]error:[/red] {cli_context.describe(exc)}")
        raise typer.Exit(2) from exc


@reporters_app.command("list")
def reporters_list() -> None:
    """List reporter organisations."""
    from tipline.reporters.store import all_reporters

    table = Table("id", "name", "kind", "country", "username")
    with database() as db, db.sessions() as session:
        for r in all_reporters(session):
            table.add_row(str(r.id), r.name, r.kind, r.country or "", r.username)
    console.print(table)


@app.command()
def serve(host: str | None = typer.Option(None, help="Listen address."),
          port: int | None = typer.Option(None, help="Listen port.")) -> None:
    """Run the API server (and, on SQLite, the pipeline inside it)."""
    import uvicorn

    from tipline.app import create_app
    from tipline.settings import check_serving_address

    settings = _settings()
    try:
        check_serving_address(settings, host or settings.host)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    where = f"http://{host or settings.host}:{port or settings.port}"
    console.print(f"tipline {__version__} serving on {where} (API docs {where}/docs, web UI "
                  f"{where}/login); database {_redact(settings.resolved_database_url)}; "
                  "Ctrl-C to stop")
    # uvicorn's access log: one line per request (method, path, status), never a body.
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                log_level="info", access_log=True)


@app.command()
def worker(once: bool = typer.Option(False, help="Process what is queued, then exit.")) -> None:
    """Run pipeline stages for queued reports, and queued work items (any number of workers
    may run on PostgreSQL)."""
    from tipline.state import build_state

    settings = _settings()
    logging.basicConfig(level=logging.INFO)
    _lower_priority(settings.worker_nice)
    state = build_state(settings)
    state.index.open()
    state.index.start()
    try:
        if once:
            from tipline.retro.jobs import RetroWatcher

            RetroWatcher(state.db).run_one()  # history re-matched if the banks moved
            steps = (state.runner.run_until_idle() + state.items.run_until_idle()
                     + state.takedown.run_until_idle())
            console.print(f"ran {steps} stages and work items")
            return
        _serve_until_signalled(state)
    finally:
        state.index.stop()
        state.db.dispose()
    console.print(f"worker {state.runner.worker} stopped")


def _serve_until_signalled(state: AppState) -> None:
    """Serve the pipeline in this thread (and the work items in another) until SIGTERM or
    SIGINT: the stage in hand finishes (its lease guards it), then the worker exits."""
    from tipline.retro.jobs import RetroWatcher
    from tipline.workqueue.serve import Background, serve

    poll = state.settings.worker_poll_seconds
    items = Background(state.items, poll, 1, "work-items")
    takedown = Background(state.takedown, poll, 1, "takedown")
    watcher = Background(RetroWatcher(state.db), RetroWatcher.poll_seconds(poll), 1,
                         "retro-watcher")
    stop = threading.Event()

    def _stop(*_: object) -> None:
        stop.set()
        state.runner.wake()  # ends an idle wait at once instead of after the poll interval

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    console.print(f"worker {state.runner.worker} running; Ctrl-C to stop")
    items.start()
    takedown.start()
    watcher.start()
    try:
        serve(state.runner, stop, poll, "pipeline worker")
    finally:
        watcher.stop()
        takedown.stop()
        items.stop()
        state.takedown.close()


def _lower_priority(niceness: int) -> None:
    """Intake acknowledges while a reporter waits; the pipeline has hours. A worker sharing
    the machine with servers yields the CPU to them (never raises its own priority)."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)


@app.command()
def submit(
    document: Path = typer.Argument(..., exists=True, help="Report as .xml or .json."),
    files: list[Path] = typer.Argument(None, help="Evidence files to upload with it."),
    url: str | None = typer.Option(None, help="tipline server base URL (default: "
                                   "http://TIPLINE_HOST:TIPLINE_PORT, as `tipline serve`)."),
    username: str = typer.Option(..., envvar="TIPLINE_USERNAME", help="Reporter login."),
    password: str = typer.Option(..., envvar="TIPLINE_PASSWORD", help="Reporter password."),
) -> None:
    """Submit one report with files to a tipline server, as a reporter's integration would."""
    from tipline.client import JsonClient, NcmecClient, submit_path

    for path in files or []:
        if not path.is_file():
            console.print(f"[red]error:[/red] {path} is not a file")
            raise typer.Exit(2)
    is_xml = _is_xml(document)
    if url is None:
        settings = _settings()
        url = f"http://{settings.host}:{settings.port}"
    client = (NcmecClient if is_xml else JsonClient)(url, username, password)
    outcome = submit_path(client, document, list(files or []))
    if not outcome.ok:
        console.print(f"[red]rejected[/red] ({outcome.error_code}): {outcome.error}")
        raise typer.Exit(1)
    console.print(f"report {outcome.report_id} accepted with {len(outcome.file_ids)} files; "
                  f"quality {outcome.quality}; issues: {', '.join(outcome.issues) or 'none'}")


def _is_xml(document: Path) -> bool:
    """XML (sent to /ispws) or JSON (sent to /api/v1/reports), by suffix or else by the first
    character; anything else is refused before a request is made."""
    import json

    suffix = document.suffix.lower()
    text = document.read_bytes()[:65536].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if suffix == ".xml" or (suffix != ".json" and text.startswith("<")):
        if not text.startswith("<"):
            raise typer.BadParameter(f"{document} is not XML", param_hint="DOCUMENT")
        return True
    try:
        json.loads(document.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{document} is neither XML nor JSON ({exc})",
                                 param_hint="DOCUMENT") from exc
    return False


@app.command()
def scan(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of media."),
    output: Path | None = typer.Option(None, help="Write results here (default: stdout)."),
    fmt: str = typer.Option("csv", "--format", callback=cli_context.one_of("csv", "json"),
                            help="csv or json."),
    scheduler: str | None = typer.Option(None, help="Address of an existing Dask scheduler "
                                         "(default: a local cluster)."),
    workers: int = typer.Option(2, min=1, help="Workers of the local cluster."),
    threads: bool = typer.Option(False, "--threads", help="Local workers as threads of this "
                                 "process instead of processes (light, no parallel hashing)."),
    checkpoint: Path | None = typer.Option(None, help="Progress file; a scan started again "
                                           "with it resumes (default: under the data dir)."),
) -> None:
    """Check a folder of media against the local banks, offline, on Dask; CSV or JSON out."""
    import hashlib

    from tipline.matching.bulk import bulk_scan, dask_client, progress_bar
    from tipline.matching.scan import render

    settings = _settings()
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    checkpoint = checkpoint or settings.data_dir / "scans" / f"{name}.jsonl"
    err = cli_context.console(stderr=True)
    with dask_client(scheduler, workers, processes=not threads) as client, \
            progress_bar(err) as progress:
        rows = bulk_scan(settings.resolved_database_url, folder, checkpoint, client,
                         progress=progress)
    text = render(rows, fmt)
    if output:
        output.write_text(text)
    else:
        print(text, end="")
    checkpoint.unlink(missing_ok=True)  # finished: a next scan of the folder starts afresh
    matched = sum(r.matched for r in rows)
    err.print(f"{len(rows)} files scanned, {matched} matched, "
              f"{sum(1 for r in rows if r.error)} could not be decoded")


@app.command()
def demo(
    reports: int = typer.Option(40, help="How many synthetic reports to send."),
    port: int | None = typer.Option(None, help="Port for the demo server (default: "
                                    "TIPLINE_PORT, else 8000)."),
    keep_running: bool = typer.Option(True, help="Leave the server running at the end."),
) -> None:
    """Start the embedded server and stream benign synthetic reports through both APIs; print
    the web UI's URL and a login for every role."""
    from tipline.demo.runner import run_demo

    settings = _settings()
    run_demo(settings, reports=reports, port=port or settings.port, keep_running=keep_running,
             console=console)


if __name__ == "__main__":
    app()
