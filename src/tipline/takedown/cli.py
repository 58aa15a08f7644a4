"""`tipline takedown`: run the takedown worker, keep the provider and hotline registries, and
print the time-to-removal figures."""

from __future__ import annotations

import datetime as dt
import json

import typer
from rich.console import Console
from rich.table import Table

from tipline import cli_context
from tipline.cli_context import database
from tipline.db import utcnow

app = typer.Typer(help="Notice and takedown: worker, registries, time to removal.",
                  no_args_is_help=True)
console = Console()


@app.command("run")
def run() -> None:
    """Do what the takedown worker has to do now (take in URLs, place hosts, send notices,
    re-check), then exit."""
    from tipline.takedown import usecases
    from tipline.takedown.worker import build_worker

    settings = cli_context.settings()
    with database(settings) as db:
        worker = build_worker(db, settings)
        try:
            console.print(f"ran {usecases.run_worker(worker)} rounds of takedown work")
        finally:
            worker.close()


@app.command("provider")
def provider(name: str, contact: str = typer.Option(..., help="Abuse address or webhook URL."),
             channel: str = typer.Option("email", help="email or webhook"),
             country: str | None = typer.Option(None, help="ISO country code"),
             ranges: str = typer.Option("", help="Address ranges (CIDR), comma separated."),
             domains: str = typer.Option("", help="Domains, comma separated."),
             upstream: str | None = typer.Option(None, help="Name of its upstream provider.")
             ) -> None:
    """Add a hosting provider to the registry."""
    from tipline.takedown import usecases
    from tipline.takedown.schemas import ProviderIn, checked

    given = checked(ProviderIn, name=name, contact=contact, channel=channel, country=country,
                    ranges=_split(ranges), domains=_split(domains), upstream=upstream)
    with database() as db:
        console.print(f"provider {usecases.register(db, given)}: {name}")


@app.command("hotline")
def hotline(country: str, name: str,
            contact: str = typer.Option(..., help="Address or webhook URL."),
            channel: str = typer.Option("email", help="email or webhook")) -> None:
    """Add the hotline of a country."""
    from tipline.takedown import usecases
    from tipline.takedown.schemas import HotlineIn, checked

    given = checked(HotlineIn, country=country, name=name, contact=contact, channel=channel)
    with database() as db:
        console.print(f"hotline {usecases.register(db, given)}: {country.upper()} {name}")


@app.command("figures")
def figures(days: int = typer.Option(90, min=1, max=3660),
            as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Time to removal of URLs first noticed in the last DAYS days, per provider, country
    and channel."""
    from tipline.takedown import usecases

    until = utcnow() + dt.timedelta(seconds=1)
    with database() as db:
        found = usecases.removal_figures(db, until - dt.timedelta(days=days), until)
    if as_json:
        console.print_json(json.dumps(found))
        return
    table = Table("group", "key", "noticed", "removed", "p50 h", "p90 h", "24 h", "72 h", "7 d")
    groups = [("all", found["overall"])] + [
        (name, group) for name in ("by_provider", "by_country", "by_channel")
        for group in found[name]]
    for name, group in groups:
        table.add_row(name, *(_cell(group.get(k)) for k in (
            "key", "noticed", "removed", "p50_hours", "p90_hours", "within_24h",
            "within_72h", "within_168h")))
    console.print(table)


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]
