"""`tipline evidence ...`: upkeep of the evidence store."""

from __future__ import annotations

import typer

from tipline import cli_context
from tipline.audit.service import Actor

app = typer.Typer(help="The encrypted evidence store.", no_args_is_help=True)
keys_app = typer.Typer(help="The evidence store's master keys.", no_args_is_help=True)
console = cli_context.console()


@app.command("sweep")
def sweep(
    older_than_hours: float = typer.Option(
        24.0, min=1.0, help="Only files nothing wrote or touched for this long (uploads in "
                            "progress are recent)."),
    dry_run: bool = typer.Option(False, help="List what would be removed; remove nothing."),
) -> None:
    """Remove evidence files no report points to: uploads refused after they were sealed (the
    report was finished or retracted meanwhile) and uploads a crash left uncommitted. Each
    removal is audited. Safe to run while the server takes uploads; run it daily (cron)."""
    from tipline.evidence.store import SweepRunning
    from tipline.evidence.usecases import sweep as run_sweep
    from tipline.reports.store import referenced_evidence
    from tipline.state import evidence_store_for

    settings = cli_context.settings()
    try:
        with cli_context.database(settings) as db:
            swept = run_sweep(db, evidence_store_for(settings), referenced_evidence,
                              older_than_hours * 3600, Actor("cli:evidence-sweep"), dry_run)
    except SweepRunning as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for address in swept.removed:
        console.print(address)
    verb = "would remove" if dry_run else "removed"
    console.print(f"examined {swept.examined} files older than {older_than_hours:g} h; "
                  f"{verb} {len(swept.removed)} that no report points to; repaired "
                  f"{swept.leftovers} leftovers of interrupted writes")


@keys_app.command("rotate")
def rotate() -> None:
    """Re-wrap every evidence file's data key with the current master key
    (TIPLINE_EVIDENCE_KEY, id TIPLINE_EVIDENCE_KEY_ID); the earlier key must be listed in
    TIPLINE_EVIDENCE_RETIRED_KEYS until this has run. Safe while the server runs."""
    from tipline.evidence.usecases import rotate as run_rotate
    from tipline.state import evidence_store_for

    settings = cli_context.settings()
    with cli_context.database(settings) as db:
        rotated = run_rotate(db, evidence_store_for(settings), settings.evidence_key_id,
                             Actor("cli:keys-rotate"))
    console.print(f"examined {rotated.examined} files; re-wrapped {rotated.rewrapped} with "
                  f"master key {settings.evidence_key_id!r}")
