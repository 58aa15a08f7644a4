"""`tipline cases`: cases on the command line."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from tipline import cli_context
from tipline.cli_context import database

app = typer.Typer(help="Cases: reports linked by what they share.", no_args_is_help=True)
console = cli_context.console()


@app.command("show")
def show(case_id: int = typer.Argument(..., help="Case id (a merged case's id resolves).")
         ) -> None:
    """Show a case: summary, reports with the keys that linked them, clusters, history."""
    from tipline.cases.service import case_view

    with database() as db, db.sessions() as session:
        view = case_view(session, case_id)
    if view is None:
        console.print(f"[red]error:[/red] case {case_id} does not exist")
        raise typer.Exit(1)
    render(view)


def render(view: dict[str, Any]) -> None:
    s = view["summary"]
    merged = f" (case {view['requested_id']} was merged into it)" \
        if view["requested_id"] != view["id"] else ""
    console.print(f"[bold]case {view['id']}[/bold] {view['status']}{merged}")
    priority = view["priority"]
    if priority["level"]:
        console.print(f"priority {priority['level']} (score {priority['score']})")
    console.print(f"{s.get('reports', 0)} reports, {s.get('media_clusters', 0)} media clusters "
                  f"({s.get('new_clusters', 0)} new, {s.get('known_clusters', 0)} known); "
                  f"seen {s.get('first_seen')} .. {s.get('last_seen')}")
    for label, key in (("accounts", "accounts"), ("emails", "emails")):
        if s.get(key):
            console.print(f"{label}: {', '.join(s[key])}")
    countries = s.get("countries", {}).get("reporters", [])
    if countries:
        console.print(f"reporter countries: {', '.join(countries)}")
    reports = Table("report", "incident type", "received", "linked by")
    for r in view["reports"]:
        keys = "; ".join(f"#{link['report_id']}: {', '.join(link['keys'])}"
                         for link in r["linked_by"]) or "-"
        reports.add_row(str(r["report_id"]), r["incident_type"], r["received_at"] or "", keys)
    console.print(reports)
    history = Table("at", "case", "event", "detail")
    for e in view["history"]:
        history.add_row(e["at"] or "", str(e["case_id"]), e["kind"], _brief(e["detail"]))
    console.print(history)


def _brief(detail: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in detail.items() if k != "linked_by")
