"""The staging table of one import: records are parsed in chunks and written to a temporary
table by each database's fastest bulk path (PostgreSQL `COPY`; SQLite `executemany` inside the
import's one transaction), so an import's memory is one chunk whatever the file's size.

The table lives in the importing transaction only (a rollback takes it away; a successful
merge drops it), so nothing of a failed import is stored anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tipline.banks.records import HashRecord
from tipline.banks.rules import STAGE_COLUMNS, staging_row

STAGE = "bank_import_stage"
REMOVED = "bank_import_removed"
CHUNK = 20_000  # records parsed and written per step: bounds an import's memory

_COLUMN_TYPES = {
    "postgresql": "n BIGINT, signal_type TEXT, value TEXT, contributor TEXT, source_list TEXT, "
                  "contributed_at TIMESTAMPTZ, classifications TEXT, jurisdictions TEXT, "
                  "note TEXT, item TEXT, content_type TEXT, fingerprint TEXT, "
                  "signal_id BIGINT, entry_id BIGINT, entry_enabled BOOLEAN, "
                  "is_new BOOLEAN DEFAULT FALSE",
    "sqlite": "n INTEGER, signal_type TEXT, value TEXT, contributor TEXT, source_list TEXT, "
              "contributed_at TEXT, classifications TEXT, jurisdictions TEXT, note TEXT, "
              "item TEXT, content_type TEXT, fingerprint TEXT, signal_id INTEGER, "
              "entry_id INTEGER, entry_enabled BOOLEAN, is_new BOOLEAN DEFAULT FALSE",
}


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def create(session: Session) -> None:
    columns = _COLUMN_TYPES[dialect(session)]
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    session.execute(text(f"DROP TABLE IF EXISTS {REMOVED}"))
    session.execute(text(f"CREATE TEMPORARY TABLE {STAGE} ({columns})"))
    session.execute(text(f"CREATE TEMPORARY TABLE {REMOVED} (provenance_id BIGINT, "
                         "entry_id BIGINT)"))


def drop(session: Session) -> None:
    session.execute(text(f"DROP TABLE {STAGE}"))
    session.execute(text(f"DROP TABLE {REMOVED}"))


def chunks(records: Iterable[HashRecord], size: int = CHUNK) -> Iterator[list[HashRecord]]:
    """The records in lists of at most `size`: the only records an import holds at once."""
    iterator = iter(records)
    while part := list(islice(iterator, size)):
        yield part


def load(session: Session, records: Iterable[HashRecord],
         on_chunk: Callable[[int], None] | None = None, size: int = CHUNK) -> int:
    """Write the records to the staging table chunk by chunk; returns how many."""
    write = _copy if dialect(session) == "postgresql" else _executemany
    sqlite = dialect(session) == "sqlite"
    total = 0
    for part in chunks(records, size):
        rows = [staging_row(total + i, record, sqlite) for i, record in enumerate(part, 1)]
        write(session, rows)
        total += len(rows)
        if on_chunk:
            on_chunk(total)
    return total


def _copy(session: Session, rows: list[tuple[Any, ...]]) -> None:
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
            f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(session: Session, rows: list[tuple[Any, ...]]) -> None:
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    marks = ", ".join("?" for _ in STAGE_COLUMNS)
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {STAGE} ({', '.join(STAGE_COLUMNS)}) VALUES ({marks})",
                           rows)
    finally:
        cursor.close()
