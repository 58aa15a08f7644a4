"""`tipline banks feedback`: the confirmations and disputes of a contributor's entries, in
the format its list came in (composed into the `banks` group by `tipline.cli`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def feedback(contributor: str = typer.Option(
                 "", help="Only this contributor's entries (as the bank's provenance names "
                          "it); empty: every contributor's."),
             format: str = typer.Option("csv", "--format",
                                        help="ncmec (votes), threatexchange (opinions) or csv."),
             out: Path = typer.Option(..., "--out", help="File to write."),
             ncmec_reason: str = typer.Option(
                 "", help="NCMEC's negative-feedback reason GUID to put in down-votes.")
             ) -> None:
    """Export feedback to hash lists: analysts' reviews and agencies' outcomes of the files
    that matched, as confirmations or disputes of the entries."""
    from tipline.cli_context import database
    from tipline.errors import DomainError
    from tipline.feedback import usecases

    with database() as db:
        try:
            data = usecases.export(db, None, contributor or None, format, ncmec_reason or None)
        except DomainError as exc:
            raise typer.BadParameter(exc.message) from exc
    out.write_bytes(data)
    console.print(f"wrote {len(data)} bytes of {format} feedback to {out}")
