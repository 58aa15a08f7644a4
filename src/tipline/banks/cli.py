"""`tipline banks ...`: create, list, enable/disable, import, export, add media, report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from tipline import cli_context
from tipline.audit.service import Actor
from tipline.banks import service, store
from tipline.banks.formats import hma
from tipline.banks.schemas import BankCreate
from tipline.cli_context import database

app = typer.Typer(help="Hash banks: lists of known hashes with provenance.", no_args_is_help=True)
console = cli_context.console()
CLI = Actor("cli")


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


@contextmanager
def _session(write: bool = True, failing: str = "") -> Iterator[Session]:
    """One command's unit of work: a refused change (ValueError) becomes a clear error and
    exit code 2, and nothing of it is stored."""
    try:
        with database() as db, db.transaction() if write else db.sessions() as session:
            yield session
    except ValueError as exc:
        raise _fail(f"{failing}{cli_context.describe(exc)}") from exc


@app.command("create")
def create(name: str = typer.Argument(..., help="Bank name."),
           kind: str = typer.Option("positive", callback=cli_context.one_of("positive",
                                                                            "negative"),
                                    help="positive, or negative (suppresses)."),
           threshold: int = typer.Option(31, help="PDQ distance threshold, 0-64."),
           description: str = typer.Option("", help="What the bank holds.")) -> None:
    """Create a bank."""
    with _session() as session:
        bank = service.create_bank(session, BankCreate(
            name=name, kind=kind, pdq_threshold=threshold, description=description), CLI)
        console.print(f"bank {bank.id} {name!r} created ({kind}, threshold {threshold})")


@app.command("list")
def list_banks() -> None:
    """List banks with their entry counts."""
    table = Table("id", "name", "kind", "threshold", "enabled", "entries")
    with _session(write=False) as session:
        counts = store.entry_counts(session)
        for b in store.all_banks(session):
            table.add_row(str(b.id), b.name, b.kind, str(b.pdq_threshold), str(b.enabled),
                          str(counts.get(b.id, 0)))
    console.print(table)


def _set_enabled(name: str, enabled: bool) -> None:
    with _session() as session:
        service.set_bank_enabled(session, service.require_bank(session, name), enabled, CLI)
    console.print(f"bank {name!r} {'enabled' if enabled else 'disabled'}")


@app.command("disable")
def disable(name: str = typer.Argument(..., help="Bank name.")) -> None:
    """Disable a bank: its entries stop matching at once."""
    _set_enabled(name, False)


@app.command("enable")
def enable(name: str = typer.Argument(..., help="Bank name.")) -> None:
    """Enable a disabled bank."""
    _set_enabled(name, True)


@app.command("import")
def import_file(name: str = typer.Argument(..., help="Bank to import into."),
                path: Path = typer.Argument(..., exists=True, dir_okay=False),
                fmt: str = typer.Option("auto", "--format",
                                        callback=cli_context.one_of("auto", "vics", "ncmec",
                                                                    "hma", "csv"),
                                        help="vics, ncmec, hma, csv, or auto."),
                replace: bool = typer.Option(
                    False, "--replace", help="The file is its sources' whole list: remove "
                    "what they no longer list (a daily list's next version).")) -> None:
    """Import a hash list into a bank, streaming and all or nothing, with a progress bar."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from tipline.banks import usecases
    from tipline.errors import DomainError

    size = path.stat().st_size
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TextColumn("{task.fields[records]} records"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(f"importing {path.name}", total=size, records=0)

        def progress(done: int, records: int) -> None:
            bar.update(task, completed=done, records=records)

        try:
            with database() as db:
                result = usecases.import_file(db, None, name, path, fmt, CLI, replace=replace,
                                              on_progress=progress)
        except DomainError as exc:
            raise _fail(exc.message) from exc
    if result.identical:
        console.print(f"{path.name} is the file last imported into {name!r} "
                      f"({result.records} records): nothing changed")
        return
    console.print(f"imported {result.records} records into {name!r}: "
                  f"{result.new_signals} new hashes, {result.new_entries} new entries, "
                  f"{result.new_provenance} new provenance rows, {result.reclassified} "
                  f"re-classified, {result.unchanged} unchanged, {result.removed} removed "
                  f"({result.disabled_entries} entries left without a source disabled)")


@app.command("add")
def add_entry(name: str = typer.Argument(..., help="Bank to add to."),
              signal_type: str = typer.Argument(..., help="md5, sha1, sha256, pdq, ..."),
              value: str = typer.Argument(..., help="The hash."),
              contributor: str = typer.Option("", help="Organisation contributing it."),
              source_list: str = typer.Option("", help="The list it comes from."),
              classification: list[str] = typer.Option(
                  [], help="scheme=label, e.g. industry=A1 (repeatable).")) -> None:
    """Add one hash to a bank; it is matchable within a second."""
    from tipline.banks import usecases
    from tipline.banks.records import HashRecord
    from tipline.errors import DomainError

    try:
        schemes = dict(item.split("=", 1) for item in classification)
    except ValueError as exc:
        raise _fail("--classification takes scheme=label") from exc
    record = HashRecord(signal_type.lower(), value, classifications=schemes,
                        contributor=contributor or None, source_list=source_list or None)
    try:
        with database() as db:
            result = usecases.add_entry(db, None, name, record, CLI)
    except DomainError as exc:
        raise _fail(exc.message) from exc
    console.print(f"added to {name!r}: {result.new_entries} new entry")


@app.command("export")
def export_file(name: str = typer.Argument(..., help="Bank to export."),
                path: Path = typer.Argument(..., dir_okay=False, help="Output file."),
                fmt: str = typer.Option("csv", "--format",
                                        callback=cli_context.one_of("vics", "ncmec", "hma",
                                                                    "csv"),
                                        help="vics, ncmec, hma or csv.")) -> None:
    """Export a bank's enabled entries with their provenance: every record the format can
    hold; the others are skipped and counted, with the reason."""
    from tipline.banks.exporting import fit
    from tipline.banks.formats import FORMATS

    with _session(write=False) as session:
        bank = service.require_bank(session, name)
        plan = fit(service.export_records(session, bank), fmt)
        # HMA lists carry polarity per row; tipline keeps it per bank.
        data = hma.write(plan.records, category=hma.NEGATIVE) if fmt == "hma" and \
            bank.kind == "negative" else FORMATS[fmt].write(plan.records)
    path.write_bytes(data)
    console.print(f"exported {len(plan.records)} records from {name!r} to {path} ({fmt})")
    for reason, count in plan.reasons():
        console.print(f"skipped {count} record(s): {reason}")


@app.command("report")
def report() -> None:
    """Consistency report: hashes whose sources disagree on classification, and hashes that are
    both in a positive and in a negative bank."""
    with _session(write=False) as session:
        disagreements, conflicts = service.consistency_report(session)
    table = Table("type", "hash", "scheme", "labels (sources)", title="Disagreements")
    for d in disagreements:
        labels = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(d.labels.items()))
        table.add_row(d.signal_type, d.value[:16] + "...", d.scheme, labels)
    console.print(table)
    conflict_table = Table("type", "hash", "positive banks", "negative banks",
                           title="In positive and negative banks")
    for c in conflicts:
        conflict_table.add_row(c.signal_type, c.value[:16] + "...", ", ".join(c.positive_banks),
                               ", ".join(c.negative_banks))
    console.print(conflict_table)
    console.print(f"{len(disagreements)} disagreements, {len(conflicts)} positive/negative "
                  "conflicts")
    _disputed_report()


def _disputed_report() -> None:
    """Entries that analysts' reviews or agencies' outcomes disputed (docs/feedback.md)."""
    from tipline.db import utcnow
    from tipline.feedback.service import disputed

    with _session(write=False) as session:
        rows = disputed(session, utcnow())
    table = Table("bank", "type", "hash", "contributors", "confirmed", "disputed", "opinion",
                  title="Disputed by reviews or outcomes")
    for d in rows:
        table.add_row(d.bank, d.signal_type, d.value[:16] + "...", ", ".join(d.contributors),
                      str(d.confirmations), str(d.disputes), d.opinion)
    console.print(table)
    console.print(f"{len(rows)} disputed entries")


@app.command("add-media")
def add_media(name: str = typer.Argument(..., help="Bank to add to."),
              files: list[Path] = typer.Argument(..., exists=True, dir_okay=False),
              contributor: str = typer.Option(..., help="Organisation contributing them."),
              source_list: str = typer.Option("", help="The list they come from."),
              classification: list[str] = typer.Option(
                  [], help="scheme=label, e.g. industry=A1 (repeatable)."),
              jurisdiction: list[str] = typer.Option(
                  [], help="ISO country code where illegal (repeatable).")) -> None:
    """Add media files to a bank: their hashes plus rotated, mirrored and cropped PDQ
    variants, so edited copies match too."""
    from tipline.banks.media import records_from_media
    from tipline.banks.records import HashRecord
    from tipline.hashing.errors import MediaError

    try:
        schemes = dict(item.split("=", 1) for item in classification)
    except ValueError as exc:
        raise _fail("--classification takes scheme=label") from exc
    template = HashRecord(signal_type="", value="", classifications=schemes,
                          jurisdictions=tuple(j.upper() for j in jurisdiction),
                          contributor=contributor, source_list=source_list or None)
    records, variants = [], {}
    for path in files:
        try:
            file_records, file_variants = records_from_media(path.read_bytes(), template)
        except MediaError as exc:
            raise _fail(f"{path}: {exc}") from exc
        records += file_records
        variants.update(file_variants)
    with _session() as session:
        result = service.add_records(session, service.require_bank(session, name),
                                     records, CLI, variants=variants)
    console.print(f"added {len(files)} files to {name!r}: {result.new_entries} new entries")
