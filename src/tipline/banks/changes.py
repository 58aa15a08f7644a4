"""The change log of the match index, in commit order.

Every bank write that may change what the match index holds logs the touched signals as
`IndexChange` rows that share one sequence number per transaction. A row covers a range of
signal ids (`signal_id` to `last_signal_id`): the consecutive ids of a bulk import are one row,
so writing the log costs in proportion to the number of runs of ids, not of signals. Sequence
numbers are handed out under a lock held until commit (PostgreSQL: a transaction-scoped
advisory lock; SQLite has one writer anyway), so a higher number always commits after a lower
one: a follower that has read everything up to N never misses a change by reading only
`seq > N` next time, and its cost is what changed since then, never the size of a past import.
The number is taken at the end of the writer's work, so the lock is held only for the last
statement and the commit.

Readers (the match index's follower, retroactive matching) use `latest_seq`, then
`changed_signals` (the ids) or `changed_ranges` with `in_ranges` (a condition for their own
query, for large changes).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, func, insert, or_, select, text
from sqlalchemy.orm import Session

from tipline.banks.models import IndexChange
from tipline.db import table_of, utcnow

# Any fixed 64-bit key: it names "the bank change log" among PostgreSQL advisory locks.
LOCK_KEY = 7_305_281_540_117


def next_seq(session: Session) -> int:
    """The sequence number of this transaction's changes; holds the log's lock until commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    head = session.scalar(select(func.coalesce(func.max(IndexChange.seq), 0)))
    return int(head or 0) + 1


def id_ranges(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted distinct ids as (first, last) runs of consecutive ids."""
    ranges: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1] = (ranges[-1][0], i)
        else:
            ranges.append((i, i))
    return ranges


def log_signals(session: Session, signal_ids: list[int]) -> int:
    """Log these signals as changed; returns the sequence number used."""
    seq = next_seq(session)
    if signal_ids:
        now = utcnow()
        session.execute(insert(table_of(IndexChange)),
                        [{"signal_id": first, "last_signal_id": last, "at": now, "seq": seq}
                         for first, last in id_ranges(signal_ids)])
    return seq


def insert_selected(session: Session, seq: int, at: object, signal_ids_sql: str) -> int:
    """Log the signals a SQL query selects (column `signal_id`) in one set-based statement,
    as runs of consecutive ids; returns how many log rows (runs) it wrote."""
    result = session.execute(text(
        "INSERT INTO bank_index_changes (signal_id, last_signal_id, at, seq) "
        "SELECT min(r.signal_id), max(r.signal_id), :at, :seq FROM ("
        "SELECT d.signal_id, d.signal_id - ROW_NUMBER() OVER (ORDER BY d.signal_id) AS run "
        f"FROM (SELECT DISTINCT q.signal_id FROM ({signal_ids_sql}) q) d) r GROUP BY r.run"),
        {"at": at, "seq": seq})
    return int(getattr(result, "rowcount", 0) or 0)


# -- reading ------------------------------------------------------------------------------
def latest_seq(session: Session, after: int = 0) -> int | None:
    """The highest sequence number committed above `after`; None when nothing is new."""
    head = session.scalar(select(func.max(IndexChange.seq)).where(IndexChange.seq > after))
    return None if head is None else int(head)


def changed_ranges(session: Session, after: int, upto: int) -> list[tuple[int, int]]:
    """The signals logged with `after < seq <= upto` as sorted, disjoint (first, last) runs of
    ids. Every id of a run was logged (runs are exact), so a reader may expand them. Reading
    the runs rather than joining them to a table keeps the plan obvious to the database: a
    range join was planned as a scan of every signal (2.5 s for one added hash at 1M)."""
    rows = session.execute(select(IndexChange.signal_id, IndexChange.last_signal_id)
                           .where(IndexChange.seq > after, IndexChange.seq <= upto)
                           .order_by(IndexChange.signal_id))
    merged: list[tuple[int, int]] = []
    for first, last in rows:
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], int(last)))
        else:
            merged.append((int(first), int(last)))
    return merged


def changed_signals(session: Session, after: int, upto: int) -> list[int]:
    """The ids of the signals logged with `after < seq <= upto`, sorted and distinct."""
    return [i for first, last in changed_ranges(session, after, upto)
            for i in range(first, last + 1)]


def in_ranges(column: SQLColumnExpression[int],
              ranges: list[tuple[int, int]]) -> ColumnElement[bool]:
    """A condition: `column` (a signal id) lies in one of the runs (`changed_ranges`)."""
    return or_(*(column == first if first == last else column.between(first, last)
                 for first, last in ranges))
