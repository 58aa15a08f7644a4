"""`tipline report transparency`: the transparency report of a period, as HTML, CSV or
JSON, byte-identical for the same data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Published reports.", no_args_is_help=True)
console = Console()


@app.command("transparency")
def transparency(first: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
                 last: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD (included)."),
                 format: str = typer.Option("html", "--format", help="html, csv or json."),
                 out: Path | None = typer.Option(None, "--out",
                                                 help="File to write (default: stdout).")
                 ) -> None:
    """The transparency report: volumes, material, routing, time to desk, deadlines,
    takedown times and outcomes, each metric defined, small counts suppressed, with the
    SHA-256 of its inputs (docs/transparency.md)."""
    import sys

    from tipline.cli_context import database
    from tipline.db import utcnow
    from tipline.errors import DomainError
    from tipline.transparency import period, usecases

    try:
        asked = period.parse(first, last, utcnow().date())
        with database() as db:
            data = usecases.render_report(db, None, asked, format)
    except DomainError as exc:
        raise typer.BadParameter(exc.message) from exc
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        console.print(f"wrote the transparency report ({format}, {len(data)} bytes) to {out}")
