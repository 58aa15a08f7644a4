"""`tipline demo`: seed hash banks, a staff login and local test agencies, start a server, stream
benign synthetic reports through both APIs, show the worklist of cases they became and their
delivery to the agencies, and leave the server running to explore."""

from __future__ import annotations

import datetime as dt
import signal
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tipline.audit.service import Actor
from tipline.cli_context import database
from tipline.db import Database, utcnow
from tipline.demo import display, outcomes, results
from tipline.demo import takedown as takedown_demo
from tipline.demo.agencies import (
    DESKS,
    FALLBACK,
    OUTAGE_DESK,
    AgencyDesk,
    inbox_public_key,
    start_desks,
    stop_desks,
)
from tipline.demo.seed import (
    HOTLINE,
    STAFF,
    BankPlan,
    ensure_staff,
    plan_banks,
    register_agencies,
    seed_banks,
)
from tipline.demo.send import Sender, Sent
from tipline.demo.server import DemoServer, ServerError, free_port_from, is_tipline
from tipline.demo.stream import REPORTERS, ReportSpec, generate_reports, links
from tipline.migrate import upgrade
from tipline.reporters.schemas import ReporterCreate
from tipline.reporters.service import create_reporter
from tipline.reporters.store import by_username
from tipline.settings import Settings

DEMO = Actor("demo")
T = TypeVar("T")

# The demo server's settings on top of the user's: the pipeline and delivery inside the server;
# no DNS lookups of reported URLs (their hosts are invented, and the demo asks nothing of the
# outside world); webhooks to the test desks on loopback over plain http; retries every second
# or two instead of every half minute, and enough of them to outlast the demo's outage.
DEMO_SERVER: dict[str, Any] = {
    "run_pipeline_in_server": True,
    "routing_resolve_hosts": False,
    "routing_fallback_agency": FALLBACK,
    "outbound_allow_loopback": True,
    "delivery_backoff_base_seconds": 0.5,
    "delivery_backoff_max_seconds": 2.0,
    "delivery_max_attempts": 200,
}


def ensure_reporters(settings: Settings) -> dict[str, bool]:
    """Migrate the database and create the demo organisations that are missing."""
    with database(settings) as db:
        upgrade(db)  # `make demo` did it already; `tipline demo` alone should work too
        created = {}
        with db.transaction() as session:
            for r in REPORTERS:
                created[r.username] = by_username(session, r.username) is None
                if created[r.username]:
                    create_reporter(session, ReporterCreate(
                        name=r.name, kind=r.kind, country=r.country, username=r.username,
                        password=r.password), DEMO)
        return created


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


def submit_all(sender: Sender, specs: list[ReportSpec], console: Console) -> list[Sent]:
    results = []
    with _progress(console) as progress:
        task = progress.add_task("submitting", total=len(specs))
        for spec in specs:
            sent = sender.send(spec)
            display.sent_line(progress.console, sent)
            results.append(sent)
            progress.advance(task)
    return results


def wait_processed(sender: Sender, results: list[Sent], summary: display.Summary,
                   console: Console, timeout: float = 120) -> None:
    """Poll each accepted report's status, as a reporter would, until the pipeline is done."""
    pending = {s.outcome.report_id: s for s in results
               if s.outcome.ok and s.outcome.report_id is not None}
    with _progress(console) as progress:
        task = progress.add_task("pipeline", total=len(pending))
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for report_id, sent in list(pending.items()):
                pipeline = sender.status(sent.spec, report_id).get("pipeline") or {}
                if pipeline.get("status") in ("done", "failed"):
                    del pending[report_id]
                    summary.stages.update(pipeline.get("stages_done") or [])
                    if pipeline["status"] == "done":
                        summary.processed += 1
                    else:
                        summary.failed += 1
                        console.print(f"[red]report {report_id} failed:[/] "
                                      f"{pipeline.get('last_error')}")
                    progress.advance(task)
            if pending:
                time.sleep(0.2)
    if pending:
        console.print(f"[yellow]{len(pending)} reports were still in the pipeline after "
                      f"{timeout:.0f}s[/]")


def summarise(results: list[Sent], url: str) -> display.Summary:
    summary = display.Summary(url=url, submitted=len(results))
    scores = []
    for sent in results:
        if sent.outcome.ok:
            summary.accepted += 1
            scores.append(sent.outcome.quality or 0)
        else:
            summary.rejected[sent.outcome.error_code or 0] += 1
        if not sent.as_expected:
            summary.unexpected.append(sent.spec.index)
    summary.mean_quality = statistics.fmean(scores) if scores else 0.0
    return summary


def run_demo(settings: Settings, reports: int = 40, port: int = 8000, keep_running: bool = True,
             console: Console | None = None, seed: int = 1) -> display.Summary:
    console = console or Console()
    display.intro(console, reports)
    if settings.environment == "production":
        # The demo organisations have published passwords.
        console.print("[red]error:[/] the demo creates accounts with public passwords; it does "
                      "not run with TIPLINE_ENVIRONMENT=production")
        raise SystemExit(2)
    with _stop_signals_interrupt():
        return _run(settings, reports, port, keep_running, console, seed)


def _run(settings: Settings, reports: int, port: int, keep_running: bool, console: Console,
         seed: int) -> display.Summary:
    chosen = _choose_port(port, console)
    created = display_step(console, "preparing the database",
                           lambda: ensure_reporters(settings))
    display.reporters(console, created)
    specs = display_step(console, f"generating {reports} synthetic reports (benign images)",
                         lambda: generate_reports(reports, seed))
    plan = plan_banks(specs)
    desks = start_desks()
    gallery, abuse = takedown_demo.GalleryHost(), takedown_demo.AbuseDesk()
    try:
        staff_created = display_step(console, "seeding hash banks, a login per role and the demo "
                                     "agencies", lambda: seed_demo(settings, plan, seed, desks))
        display.banks(console, plan)
        display.staff(console, staff_created)
        display.agencies(console, desks, OUTAGE_DESK)
        served = settings.model_copy(update={**takedown_demo.SERVER_SETTINGS,
                                             "takedown_smtp_port": abuse.port})
        return _serve(served, chosen, specs, plan, desks, keep_running, console,
                      (gallery, abuse))
    finally:
        stop_desks(desks)
        for local in (gallery, abuse):
            local.shutdown()
            local.server_close()


def _choose_port(port: int, console: Console) -> int:
    chosen = free_port_from(port)
    if chosen is None:
        console.print(f"[red]error:[/] ports {port}-{port + 19} on 127.0.0.1 are all busy; "
                      "pass --port with a free one")
        raise SystemExit(1)
    if chosen != port:
        if is_tipline(port):
            # Two embedded servers on one database would both run the pipeline.
            console.print(f"[yellow]a tipline server (an earlier demo?) already listens on port "
                          f"{port}; using {chosen}. If it uses the same data folder, stop it "
                          "first (Ctrl-C in its terminal).[/]")
        else:
            console.print(f"[yellow]port {port} is taken by another program; using {chosen}[/]")
    return chosen


def seed_demo(settings: Settings, plan: BankPlan, seed: int, desks: dict[str, AgencyDesk]
              ) -> bool:
    """Banks, staff login and agencies, in one transaction; True if the login is new."""
    with database(settings) as db, db.transaction() as session:
        seed_banks(session, plan, seed)
        register_agencies(session, desks, inbox_public_key(settings.data_dir))
        takedown_demo.seed_provider(session)
        return ensure_staff(session)


def _serve(settings: Settings, port: int, specs: list[ReportSpec], plan: BankPlan,
           desks: dict[str, AgencyDesk], keep_running: bool, console: Console,
           takedown: tuple[takedown_demo.GalleryHost, takedown_demo.AbuseDesk]
           ) -> display.Summary:
    server = DemoServer(settings.model_copy(update=DEMO_SERVER), port,
                        settings.data_dir / "demo-server.log")
    try:
        display_step(console, f"starting the server on {server.url}", server.start)
    except ServerError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise SystemExit(1) from exc
    sender = Sender(server.url, uuid.uuid4().hex[:8])
    staff = httpx.Client(base_url=server.url, auth=(STAFF.username, STAFF.password), timeout=60)
    db = Database(settings.resolved_database_url)
    try:
        since = utcnow()
        summary = _stream(sender, specs, console)
        summary.matches = results.match_outcomes(db, specs, sender.report_ids, plan)
        display.matches(console, summary.matches)
        mine = set(sender.report_ids.values())
        _worklist(staff, mine, summary, console)
        _deliver(db, staff, desks, since, mine, summary, console)
        _feedback(server.url, staff, desks, mine, summary, sender.run_id, console)
        # Done with them: closed by this side now, not by the server after its keep-alive
        # timeout while the takedown step runs (that would hold the port in TIME_WAIT).
        staff.close()
        sender.close()
        _takedown(server.url, takedown, summary, console)
        display.summary(console, summary)
        display.closing(console, server.url, str(server.log_path), keep_running)
        if keep_running:
            _wait_for_ctrl_c(server, console)
        return summary
    finally:
        staff.close()
        sender.close()
        db.dispose()
        server.stop()


def _stream(sender: Sender, specs: list[ReportSpec], console: Console) -> display.Summary:
    console.rule("Submitting through both APIs (XML: /ispws, JSON: /api/v1/reports)")
    results_ = submit_all(sender, specs, console)
    summary = summarise(results_, sender.base_url)
    console.rule("Pipeline")
    started = time.monotonic()
    wait_processed(sender, results_, summary, console)
    display.pipeline_done(console, summary, time.monotonic() - started)
    display.links(console, links(specs))
    return summary


def _takedown(url: str, local: tuple[takedown_demo.GalleryHost, takedown_demo.AbuseDesk],
              summary: display.Summary, console: Console) -> None:
    """Public reports of pages on a local test host: assessed, noticed, removed."""
    console.rule(f"Notice and takedown (as {HOTLINE.username})")
    with httpx.Client(base_url=url, auth=(HOTLINE.username, HOTLINE.password),
                      timeout=60) as hotline:
        summary.takedown = takedown_demo.run(url, *local, hotline)
    display.takedown(console, summary.takedown, url)


def _worklist(staff: httpx.Client, mine: set[int],
              summary: display.Summary, console: Console) -> None:
    console.rule(f"Worklist (as {STAFF.username})")
    summary.cases = results.worklist(staff)
    # Each case's label is the one triage justified (a level's claim only with its signal).
    display.worklist(console, summary.cases, mine)


def _deliver(db: Database, staff: httpx.Client, desks: dict[str, AgencyDesk],
             since: dt.datetime, mine: set[int], summary: display.Summary, console: Console
             ) -> None:
    """Let the outbox drain to the desks that are up, show what waits for the one that is
    down, bring it back, and wait until every package is acknowledged."""
    console.rule("Routing and delivery to the test desks")
    started = time.monotonic()
    up = [d for d in DESKS if d != OUTAGE_DESK]
    sent = _wait_outbox(db, since, lambda rows: not results.unsettled(rows, up) and all(
        s.attempts > 0 for s in results.unsettled(rows, [OUTAGE_DESK])))
    display.outage(console, OUTAGE_DESK, results.unsettled(sent, [OUTAGE_DESK]))
    desks[OUTAGE_DESK].start()
    sent = _wait_outbox(db, since, lambda rows: not results.unsettled(rows))
    # The cases of this run's reports: cases of earlier runs were delivered back then.
    cases = [c.case_id for c in summary.cases if c.report_ids & mine]
    summary.routes = results.routes(staff, cases, sent, desks)
    summary.deliveries = results.totals(sent, desks)
    display.deliveries(console, summary.routes, summary.deliveries, time.monotonic() - started)


def _feedback(url: str, staff: httpx.Client, desks: dict[str, AgencyDesk], mine: set[int],
              summary: display.Summary, run: str, console: Console) -> None:
    """The desks' outcomes of this run's cases flow back to the reporters' scorecards."""
    cases = {c.case_id for c in summary.cases if c.report_ids & mine}
    summary.feedback = outcomes.post_outcomes(url, desks, cases, run)
    outcomes.read_scorecards(staff, summary.feedback)
    outcomes.show(console, summary.feedback, url)


def _wait_outbox(db: Database, since: dt.datetime,
                 done: Callable[[list[results.Sent]], bool], timeout: float = 30
                 ) -> list[results.Sent]:
    deadline = time.monotonic() + timeout
    rows = results.outbox(db, since)
    while not done(rows) and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = results.outbox(db, since)
    return rows


def display_step(console: Console, what: str, step: Callable[[], T]) -> T:
    with console.status(what + " ..."):
        result = step()
    console.print(f"[green]✓[/] {what}")
    return result


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """`kill` or a closed terminal end the demo like Ctrl-C, so that the `finally` of run_demo
    stops the server: it has its own session and would otherwise outlive the demo."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGTERM, signal.SIGHUP)
    previous = [signal.signal(sig, _interrupt) for sig in signals]
    try:
        yield
    finally:
        for sig, handler in zip(signals, previous, strict=True):
            signal.signal(sig, handler)


def _wait_for_ctrl_c(server: DemoServer, console: Console) -> None:
    try:
        server.wait()
        console.print(f"[red]the server stopped unexpectedly:[/]\n{server.log_tail()}")
    except KeyboardInterrupt:
        console.print("stopping the server ...")
