"""`tipline alerts`: what the centre's staff are told (cases no agency serves, dead letters)."""

from __future__ import annotations

import typer
from rich.table import Table

from tipline import cli_context
from tipline.alerts.usecases import KINDS

app = typer.Typer(help="Alerts for the centre's staff.", no_args_is_help=True)
console = cli_context.console()


@app.command("list")
def list_alerts(kind: str | None = typer.Option(None, callback=cli_context.one_of(*KINDS),
                                                help=", ".join(KINDS)),
                include_acknowledged: bool = typer.Option(
                    False, "--all", help="Also alerts already settled.")) -> None:
    """Every alert (the centre's and those told to agencies), newest first."""
    from tipline.alerts.usecases import staff_alerts

    with cli_context.database() as db:
        alerts = staff_alerts(db, None, kind, include_acknowledged)
    if not alerts:
        console.print("no open alerts")
        return
    table = Table("id", "kind", "case", "raised", "message")
    for a in alerts:
        table.add_row(str(a.id), a.kind, str(a.case_id or ""), f"{a.created_at:%Y-%m-%d %H:%M}",
                      a.message)
    console.print(table)
    if any(a.kind == "unroutable" and a.acknowledged_at is None for a in alerts):
        console.print("unroutable cases: import or add the agencies that serve them "
                      "(`tipline agencies import`), then `tipline routing recompute`")
