"""The staging table of one import: rows are parsed in chunks and written to a temporary
table by each database's fastest bulk path (PostgreSQL `COPY`; SQLite `executemany` inside the
import's one transaction), so an import's memory is one chunk whatever the file's size.

The table lives in the importing transaction only (a rollback takes it away; a successful
merge drops it), so nothing of a failed import is stored anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from sqlalchemy import text
from sqlalchemy.orm import Session

from tipline.banks.rules import STAGE_COLUMNS, Row, sqlite_row

STAGE = "bank_import_stage"
CHUNK = 20_000  # rows parsed and written per step: bounds an import's memory

# `n` numbers the rows in arrival order (the table fills it), so no row is rebuilt to add it.
_COLUMN_TYPES = {
    "postgresql": "n BIGINT GENERATED ALWAYS AS IDENTITY, signal_type TEXT, value TEXT, "
                  "contributor TEXT, source_list TEXT, contributed_at TIMESTAMPTZ, "
                  "classifications TEXT, jurisdictions TEXT, note TEXT, item TEXT, "
                  "content_type TEXT, fingerprint TEXT",
    "sqlite": "n INTEGER PRIMARY KEY, signal_type TEXT, value TEXT, contributor TEXT, "
              "source_list TEXT, contributed_at TEXT, classifications TEXT, "
              "jurisdictions TEXT, note TEXT, item TEXT, content_type TEXT, fingerprint TEXT",
}


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def create(session: Session) -> None:
    columns = _COLUMN_TYPES[dialect(session)]
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    session.execute(text(f"CREATE TEMPORARY TABLE {STAGE} ({columns})"))


def drop(session: Session) -> None:
    session.execute(text(f"DROP TABLE {STAGE}"))


def chunks(rows: Iterable[Row], size: int = CHUNK) -> Iterator[list[Row]]:
    """The rows in lists of at most `size`: the only rows an import holds at once."""
    iterator = iter(rows)
    while part := list(islice(iterator, size)):
        yield part


def load(session: Session, rows: Iterable[Row],
         on_chunk: Callable[[int], None] | None = None, size: int = CHUNK) -> int:
    """Write the rows (`rules.STAGE_COLUMNS`) to the staging table chunk by chunk; returns
    how many."""
    write = _copy if dialect(session) == "postgresql" else _executemany
    total = 0
    for part in chunks(rows, size):
        write(session, part)
        total += len(part)
        if on_chunk:
            on_chunk(total)
    return total


def _copy(session: Session, rows: list[Row]) -> None:
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
            f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(session: Session, rows: list[Row]) -> None:
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    marks = ", ".join("?" for _ in STAGE_COLUMNS)
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {STAGE} ({', '.join(STAGE_COLUMNS)}) VALUES ({marks})",
                           [sqlite_row(row) for row in rows])
    finally:
        cursor.close()
