"""`tipline deliver` and `tipline deliveries`: the delivery worker and the outbox; and
`tipline agencies forecast`, which reads routes and deliveries (the command line's root,
`tipline/cli.py`, adds it to the agencies group, which sits below delivery)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import threading

import typer
from rich.table import Table

from tipline import cli_context
from tipline.cli_context import database
from tipline.db import utcnow

app = typer.Typer(help="Deliveries of cases to agencies: outbox, retries, time to desk.",
                  no_args_is_help=True)
console = cli_context.console()


def deliver(once: bool = typer.Option(False, help="Attempt what is due now, then exit.")
            ) -> None:
    """Run the delivery worker: push queued case packages to webhook agencies, with retries."""
    from tipline.state import build_state
    from tipline.workqueue.serve import Background

    settings = cli_context.settings()
    logging.basicConfig(level=logging.INFO)
    state = build_state(settings)
    try:
        if once:
            console.print(f"made {state.delivery.run_until_idle()} delivery attempts")
            return
        background = Background(state.delivery, settings.worker_poll_seconds,
                                settings.delivery_threads, "delivery")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        background.start()
        console.print(f"delivery worker running ({settings.delivery_threads} threads); "
                      "Ctrl-C to stop")
        stop.wait()
        # Attempts in hand finish (their leases guard them) before the process exits.
        background.stop()
    finally:
        state.delivery.close()
        state.db.dispose()


@app.command("time-to-desk")
def time_to_desk(since_hours: float | None = typer.Option(
        None, help="Only deliveries acknowledged in the last N hours.")) -> None:
    """p50/p95 time from a report's finish to the agency's acknowledgement, per agency."""
    from tipline.delivery.service import time_to_desk as compute

    since = utcnow() - dt.timedelta(hours=since_hours) if since_hours else None
    with database() as db, db.sessions() as session:
        rows = compute(session, since)
    table = Table("agency", "reports", "p50 (s)", "p95 (s)", "max (s)")
    for row in rows:
        table.add_row(row.agency, str(row.count), _fmt(row.p50), _fmt(row.p95), _fmt(row.max))
    console.print(table)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


STATUSES = ("pending", "delivered", "acknowledged", "dead", "superseded")


@app.command("list")
def list_deliveries(status: str | None = typer.Option(
                        None, callback=cli_context.one_of(*STATUSES), help=", ".join(STATUSES)),
                    limit: int = typer.Option(50, help="Most recent N.")) -> None:
    """The outbox: deliveries with status, attempts and last error."""
    from sqlalchemy import select

    from tipline.agencies.models import Agency
    from tipline.delivery.models import Delivery

    with database() as db, db.sessions() as session:
        stmt = (select(Delivery, Agency.code).join(Agency, Agency.id == Delivery.agency_id)
                .order_by(Delivery.id.desc()).limit(limit))
        if status:
            stmt = stmt.where(Delivery.status == status)
        rows = session.execute(stmt).all()
    table = Table("id", "case", "agency", "version", "status", "attempts", "last error")
    for d, code in rows:
        table.add_row(str(d.id), str(d.case_id), code, d.case_version[:16], d.status,
                      str(d.attempts), (d.last_error or "")[:60])
    console.print(table)


@app.command("retry")
def retry(delivery_id: int = typer.Argument(..., help="Id of a dead letter.")) -> None:
    """Queue a dead letter again (after the agency's endpoint is fixed)."""
    from tipline.delivery.models import Delivery
    from tipline.delivery.service import requeue_dead

    with database() as db, db.transaction() as session:
        found = session.get(Delivery, delivery_id)
        status = found.status if found is not None else None
        done = found is not None and requeue_dead(session, delivery_id)
    if not done:
        why = ("does not exist" if status is None
               else f"is {status}, not a dead letter: only dead letters are retried")
        console.print(f"[red]error:[/red] delivery {delivery_id} {why}")
        raise typer.Exit(1)
    console.print(f"delivery {delivery_id} queued again")


def forecast(code: str = typer.Argument(..., help="Agency code."),
             as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """What an agency should expect: queued now, next 24 h, deadlines falling due."""
    from tipline.agencies.service import agency_for_user
    from tipline.delivery.service import forecast as compute
    from tipline.errors import DomainError

    try:
        with database() as db, db.sessions() as session:
            result = compute(session, agency_for_user(session, code))
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    if as_json:
        console.print_json(json.dumps(result))
        return
    table = Table("figure", "value")
    for key, value in result.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)
