"""`tipline audit ...`: verify the audit log and sign checkpoints of it."""

from __future__ import annotations

import typer
from rich.console import Console

from tipline import cli_context

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
console = Console()


@app.command("verify")
def verify_command(
    checkpoint: bool = typer.Option(
        True, help="After a clean verification, sign a checkpoint of the log's end."),
) -> None:
    """Recompute the audit log's hash chain and compare it with every signed checkpoint; list
    each row edited, deleted, inserted, reordered or truncated, and exit 1 if any."""
    from tipline.audit.chain import keys_for
    from tipline.audit.verify import verify, write_checkpoint

    settings = cli_context.settings()
    keys, folder = keys_for(settings), settings.resolved_audit_checkpoint_dir
    with cli_context.database(settings) as db, db.sessions() as session:
        result = verify(session, keys, folder)
        written = write_checkpoint(session, keys, folder) if checkpoint and result.ok else None
    for problem in result.problems:
        console.print(f"[red]{problem.kind}[/red]: {problem.message}", soft_wrap=True)
    console.print(f"{result.rows} rows checked up to row {result.last_id}, against "
                  f"{result.checkpoints} checkpoints: {len(result.problems)} problems")
    if written is not None:
        console.print(f"signed checkpoint {written.path.name}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign a checkpoint of the audit log's last row into the checkpoint folder (run it from
    cron every few minutes: rows deleted from the end show only against a checkpoint)."""
    from tipline.audit.chain import keys_for
    from tipline.audit.verify import write_checkpoint

    settings = cli_context.settings()
    with cli_context.database(settings) as db, db.sessions() as session:
        written = write_checkpoint(session, keys_for(settings),
                                   settings.resolved_audit_checkpoint_dir)
    console.print(f"signed checkpoint {written.path.name} at row {written.last_id}")
