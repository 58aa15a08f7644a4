"""`tipline worklist` and `tipline triage ...`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tipline import cli_context
from tipline.cli_context import database

app = typer.Typer(help="Case priorities and the triage policy.", no_args_is_help=True)
console = cli_context.console()


def worklist(level: str | None = typer.Option(None, help="Only cases at this level (P1..P4)."),
             limit: int = typer.Option(50, help="At most this many cases.")) -> None:
    """Open cases by priority, then nearest retention deadline, with their top reasons."""
    from tipline.triage.policy import current_policy
    from tipline.triage.store import worklist as rows_of

    levels = [lv.name for lv in current_policy(cli_context.settings().triage_policy_path).levels]
    if level is not None and level not in levels:
        raise typer.BadParameter(f"{level!r} is not a level of the triage policy; one of "
                                 f"{', '.join(levels)}", param_hint="--level")
    table = Table("case", "level", "score", "top reasons", "deadline", "reports")
    with database() as db, db.sessions() as session:
        for row in rows_of(session, level, limit):
            case = row.case
            reasons = "; ".join(r.get("reason", "") for r in (case.priority_reasons or [])[:3])
            deadline = f"{case.deadline:%Y-%m-%d %H:%M}" if case.deadline else ""
            table.add_row(str(case.id), case.priority_level or "-",
                          str(case.priority_score if case.priority_score is not None else "-"),
                          reasons, deadline, str(row.reports))
    console.print(table)


@app.command("check-policy")
def check_policy(path: Path | None = typer.Argument(
        None, help="Policy file (default: TIPLINE_TRIAGE_POLICY_PATH or the shipped one).")
) -> None:
    """Validate a triage policy file and print its levels and rules."""
    from tipline.triage.policy import load_policy
    from tipline.triage.rules import PolicyError

    try:
        policy = load_policy(path or cli_context.settings().triage_policy_path)
    except PolicyError as exc:
        console.print(f"[red]invalid policy:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"policy {policy.label}: " + ", ".join(
        f"{lv.name} >= {lv.min_score}" for lv in policy.levels))
    table = Table("feature", "value", "points", "min level", "group", "reason")
    for rule in policy.rules:
        value = str(rule.value) if rule.value is not None else f">= {rule.at_least}"
        table.add_row(rule.feature, value, str(rule.points), rule.min_level or "",
                      rule.group or "", rule.reason)
    console.print(table)


@app.command("recompute")
def recompute_all() -> None:
    """Recompute the priority of every open case (e.g. after editing the policy)."""
    from sqlalchemy import select

    from tipline.cases.models import Case
    from tipline.triage.policy import current_policy
    from tipline.triage.service import recompute

    policy = current_policy(cli_context.settings().triage_policy_path)
    changed = 0
    with database() as db, db.transaction() as session:
        ids = list(session.scalars(select(Case.id).where(Case.status == "open")))
        for case_id in ids:
            before = session.get(Case, case_id)
            old = (before.priority_level, before.priority_score) if before else None
            recompute(session, case_id, policy)
            after = session.get(Case, case_id)
            changed += bool(after and (after.priority_level, after.priority_score) != old)
    console.print(f"{len(ids)} open cases recomputed, {changed} changed")
