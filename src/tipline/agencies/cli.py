"""`tipline agencies`: the agency registry and retention windows. (`tipline agencies forecast`
reads routes and deliveries, so it lives in `delivery/cli.py` and joins this group in the
command line's root, `tipline/cli.py`.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from tipline import cli_context
from tipline.agencies import service
from tipline.audit.service import Actor
from tipline.db import Database
from tipline.errors import DomainError
from tipline.outbound import Destinations
from tipline.settings import Settings

app = typer.Typer(help="Receiving agencies: registry, retention windows, forecasts.",
                  no_args_is_help=True)
console = cli_context.console()
CLI = Actor("cli")
T = TypeVar("T")


@contextmanager
def _database() -> Iterator[Database]:
    db = Database(Settings().resolved_database_url)
    try:
        yield db
    finally:
        db.dispose()


def _destinations() -> Destinations:
    """The endpoint policy of this deployment (loopback only where settings allow it)."""
    return Destinations.from_settings(Settings())


def _write(fn: Callable[[Session], T]) -> T:
    """Run `fn` in one transaction; a domain error (an invalid entry, an unknown agency) is
    printed and exits 1."""
    with _database() as db:
        try:
            with db.transaction() as session:
                return fn(session)
        except DomainError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from exc


def _countries(value: str | None) -> list[str] | None:
    return None if value is None else [c for c in value.replace(",", " ").split() if c]


@app.command("import")
def import_(path: Path | None = typer.Argument(
        None, help="Registry JSON file; default: the shipped sample registry.")) -> None:
    """Create or update every agency of a registry file (by code)."""
    text = service.read_file(path) if path else service.sample_registry_text()
    saved = _write(lambda s: [a.code for a in service.import_registry(s, text, CLI,
                                                                       _destinations())])
    console.print(f"{len(saved)} agencies imported: {', '.join(saved)}")
    _reroute("agency registry imported")


def _reroute(reason: str) -> None:
    """The registry changed: queue every open case for routing again, so cases that waited
    without a route (or with an outdated one) are routed without a further step."""
    from tipline.routing.usecases import request_recompute

    with _database() as db:
        queued = request_recompute(db, None, reason)
    if queued:
        console.print(f"{len(queued)} open case(s) queued for routing again with this "
                      "registry")


@app.command("list")
def list_() -> None:
    """List the registry: countries, channel chain, delivery method, contact."""
    with _database() as db, db.sessions() as session:
        views = service.agency_views(session)
    table = Table("code", "name", "countries", "chain", "delivery", "contact", "active")
    for v in views:
        table.add_row(v["code"], v["name"], " ".join(v["countries"]),
                      " -> ".join(v["channel_chain"]), v["delivery_method"], v["contact"],
                      "yes" if v["active"] else "no")
    console.print(table)


def _options(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@app.command("add")
def add(code: str = typer.Argument(..., help="Registry code, e.g. DE-BKA."),
        name: str = typer.Option(..., help="Agency name."),
        countries: str = typer.Option("", help="ISO alpha-2 codes served, e.g. 'SE,FI'."),
        channel: str = typer.Option("direct", help="direct, europol, interpol or hotline."),
        via: str | None = typer.Option(None, help="Intermediary agency code."),
        delivery: str = typer.Option("pull", help="webhook or pull."),
        endpoint: str | None = typer.Option(None, help="Webhook endpoint URL."),
        contact: str = typer.Option("", help="Contact shown to other agencies.")) -> None:
    """Add an agency; an unknown country code or intermediary is refused."""
    data = _options(code=code, name=name, countries=_countries(countries), channel=channel,
                    via_code=via, delivery_method=delivery, endpoint_url=endpoint,
                    contact=contact)
    row = _write(lambda s: service.save_agency(s, data, CLI, True, _destinations()).code)
    console.print(f"agency {row} added")


@app.command("update")
def update(code: str = typer.Argument(..., help="Agency code."),
           name: str | None = typer.Option(None), countries: str | None = typer.Option(None),
           channel: str | None = typer.Option(None),
           via: str | None = typer.Option(None, help="Intermediary ('' clears it)."),
           delivery: str | None = typer.Option(None), endpoint: str | None = typer.Option(None),
           contact: str | None = typer.Option(None),
           enable: bool = typer.Option(False, help="Re-enable a disabled agency.")) -> None:
    """Change an agency's fields (only those given)."""
    data = _options(code=code, name=name, countries=_countries(countries), channel=channel,
                    via_code=via, delivery_method=delivery, endpoint_url=endpoint,
                    contact=contact, active=True if enable else None)
    row = _write(lambda s: service.save_agency(s, data, CLI, False, _destinations()).code)
    console.print(f"agency {row} updated")


@app.command("disable")
def disable(code: str = typer.Argument(..., help="Agency code.")) -> None:
    """Disable an agency: new routes skip it (refused while others route through it)."""
    row = _write(lambda s: service.save_agency(s, {"code": code, "active": False}, CLI,
                                               create=False).code)
    console.print(f"agency {row} disabled")


@app.command("retention")
def retention(country: str = typer.Argument(..., help="ISO alpha-2 country code."),
              days: str = typer.Argument(..., help="Days, or 'unknown'."),
              source: str = typer.Option("", help="Statute or order the window comes from.")
              ) -> None:
    """Override a country's subscriber-data retention window (it wins over the jurisdiction
    table; 'unknown' makes the conservative default apply, flagged assumed)."""
    if days != "unknown" and not days.lstrip("-").isdigit():
        console.print(f"[red]error:[/red] days must be a whole number or 'unknown', not {days!r}")
        raise typer.Exit(1)
    value = None if days == "unknown" else int(days)
    code = _write(lambda s: service.set_retention(s, country, value, source, CLI).country)
    console.print(f"retention window of {code}: {days} days")
