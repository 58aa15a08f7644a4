"""Use cases of hash banks, shared by the CLI and the HTTP API: one transaction each.

Banks are the centre staff's (`access.check_banks`); the CLI is the operator's and passes no
user. A refused change (an unreadable file, an unknown bank) raises `BankRequestError` (400)
or `BankNotFound` (404) and stores nothing. `on_commit` runs after a write commits: the server
passes its match index's `notify`, so a change is matchable at once in this process (other
processes follow the change log).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from tipline import access
from tipline.audit.service import Actor
from tipline.banks import service
from tipline.banks.formats import detect
from tipline.banks.formats.streaming import STREAMS, stream_rows
from tipline.banks.formats.validate import validate_record
from tipline.banks.records import FormatError, HashRecord
from tipline.banks.schemas import BankCreate, BankOut, ImportResult
from tipline.db import Database
from tipline.errors import Invalid, NotFound
from tipline.users.service import StaffUser

OnCommit = Callable[[], None] | None


class BankRequestError(Invalid):
    """A bank file or entry that cannot be stored; the message names the line or field."""


class BankNotFound(NotFound):
    pass


@contextmanager
def _write(db: Database, user: StaffUser | None, on_commit: OnCommit) -> Iterator[Session]:
    try:
        with db.transaction() as session:
            if user is not None:
                access.check_banks(access.staff_viewer(session, user))
            yield session
    except service.BankError as exc:
        error = BankNotFound if str(exc).startswith("no bank") else BankRequestError
        raise error(str(exc)) from exc
    except FormatError as exc:
        raise BankRequestError(f"nothing imported: {exc}") from exc
    if on_commit:
        on_commit()


def create_bank(db: Database, user: StaffUser | None, data: BankCreate, actor: Actor) -> BankOut:
    with _write(db, user, None) as session:
        bank = service.create_bank(session, data, actor)
        return service.bank_out(bank, 0)


def list_banks(db: Database, user: StaffUser | None) -> list[BankOut]:
    with db.sessions() as session:
        if user is not None:
            access.check_banks(access.staff_viewer(session, user))
        return service.bank_list(session)


def set_bank_enabled(db: Database, user: StaffUser | None, name: str, enabled: bool,
                     actor: Actor) -> None:
    with _write(db, user, None) as session:
        service.set_bank_enabled(session, service.require_bank(session, name), enabled, actor)


def chosen_format(f: IO[bytes], filename: str, fmt: str) -> str:
    """The format to read: named, or detected from the file's head."""
    if fmt == "auto":
        head = f.read(4096)
        f.seek(0)
        try:
            fmt = detect(head, filename)
        except FormatError as exc:
            raise BankRequestError(str(exc)) from exc
    if fmt not in STREAMS:
        raise BankRequestError(f"unknown format {fmt!r}; use one of {', '.join(STREAMS)}")
    return fmt


def import_file(db: Database, user: StaffUser | None, name: str, path: Path, fmt: str,
                actor: Actor, *, replace: bool = False, on_progress: Callable[[int, int], None]
                | None = None, on_commit: OnCommit = None) -> ImportResult:
    """Stream a hash list into a bank, all or nothing. `on_progress(bytes read, records)`.
    The bank's last imported file again (same bytes, format and mode) is not read again."""
    with path.open("rb") as f:
        chosen = chosen_format(f, path.name, fmt)
        digest = file_digest(f, chosen, replace)
        with _write(db, user, on_commit) as session:
            bank = service.require_bank(session, name)
            rows = stream_rows(chosen, f, bank.kind)  # type: ignore[arg-type]
            progress = (lambda n: on_progress(f.tell(), n)) if on_progress else None
            return service.import_rows(session, bank, rows, actor, replace=replace,
                                       on_chunk=progress, digest=digest)


def file_digest(f: IO[bytes], fmt: str, replace: bool) -> str:
    """SHA-256 of the file's bytes, with the format and mode that read it (the same bytes
    imported with `replace` do more than without); leaves the file at its start."""
    digest = hashlib.sha256()
    while block := f.read(1 << 20):
        digest.update(block)
    f.seek(0)
    return f"{fmt}:{'replace' if replace else 'add'}:{digest.hexdigest()}"


def add_entry(db: Database, user: StaffUser | None, name: str, record: HashRecord,
              actor: Actor, on_commit: OnCommit = None) -> ImportResult:
    """One hash with its provenance: matchable as soon as this returns (in this process)."""
    with _write(db, user, on_commit) as session:
        try:
            checked = validate_record(record, "entry")
        except FormatError as exc:
            raise BankRequestError(str(exc)) from exc
        return service.add_records(session, service.require_bank(session, name), [checked],
                                   actor)


def set_entry_enabled(db: Database, user: StaffUser | None, name: str, signal_type: str,
                      value: str, enabled: bool, actor: Actor,
                      on_commit: OnCommit = None) -> None:
    with _write(db, user, on_commit) as session:
        try:
            normal = validate_record(HashRecord(signal_type, value), "entry").value
        except FormatError as exc:
            raise BankRequestError(str(exc)) from exc
        bank = service.require_bank(session, name)
        try:
            service.set_entry_enabled(session, bank, signal_type, normal, enabled, actor)
        except service.BankError as exc:
            raise BankNotFound(str(exc)) from exc
