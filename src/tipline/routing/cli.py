"""`tipline routing`: route existing cases again, through the work queue."""

from __future__ import annotations

import typer

from tipline import cli_context

app = typer.Typer(help="Routing of cases to agencies.", no_args_is_help=True)
console = cli_context.console()


@app.command("recompute")
def recompute(case: int | None = typer.Option(None, "--case", help="Only this case "
                                              "(default: every open case).")) -> None:
    """Route open cases (or one) again with the registry in force now, e.g. after
    `tipline agencies import`: queued as work items that the server (SQLite) or a
    `tipline worker` routes, re-triages and queues for delivery."""
    from tipline.routing.usecases import request_recompute

    with cli_context.database() as db:
        ids = request_recompute(db, case, "tipline routing recompute")
    if not ids:
        console.print("no open case to route")
        return
    shown = ", ".join(map(str, ids[:10])) + (" ..." if len(ids) > 10 else "")
    console.print(f"{len(ids)} case(s) queued for routing ({shown}); the server (SQLite) or "
                  "`tipline worker` routes them and queues their deliveries")
