"""`tipline reporters key-...`: reporter organisations' API keys (hashed, scoped, expiring,
revocable). Registered on the `reporters` group in `tipline.cli`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from tipline.audit.service import Actor
from tipline.cli_context import database
from tipline.cli_context import settings as _settings
from tipline.db import utcnow
from tipline.errors import DomainError

console = Console()
CLI = Actor("cli")


def key_add(
    reporter: str = typer.Argument(..., help="The reporter's API username."),
    name: str = typer.Option(..., help="What the key is for (e.g. 'intake robot')."),
    scope: list[str] = typer.Option(["report"], help="report (intake) and/or match; repeat."),
    days: int = typer.Option(90, help="Days the key is valid (TIPLINE_API_KEY_MAX_DAYS)."),
) -> None:
    """Make an API key for a reporter organisation; it is printed once, never stored."""
    from tipline.reporters import usecases

    settings = _settings()
    try:
        with database(settings) as db:
            made = usecases.add_key(db, None, CLI, reporter, name, scope, days,
                                    settings.api_key_max_days)
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    console.print(f"key {made.id} ({made.prefix}) valid until {made.expires_at:%Y-%m-%d}; "
                  "send it as 'Authorization: Bearer <key>'. It is shown this once:")
    typer.echo(made.key)


def key_list(reporter: str | None = typer.Argument(None, help="Only this reporter's keys.")
             ) -> None:
    """List API keys (never the keys themselves): prefix, scopes, expiry and state."""
    from tipline.reporters import usecases

    table = Table("id", "reporter", "name", "prefix", "scopes", "expires", "state")
    now = utcnow()
    with database() as db:
        for k in usecases.list_keys(db, None, reporter):
            table.add_row(str(k.id), k.reporter, k.name, k.prefix, ",".join(k.scopes),
                          f"{k.expires_at:%Y-%m-%d}", k.state(now))
    console.print(table)


def key_revoke(key_id: int = typer.Argument(..., help="The key's id (`key-list`).")) -> None:
    """Revoke an API key: its next request is refused."""
    from tipline.reporters import usecases

    try:
        with database() as db:
            usecases.revoke_key(db, None, CLI, key_id)
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    console.print(f"key {key_id} is revoked")
