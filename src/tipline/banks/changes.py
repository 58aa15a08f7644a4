"""The change log of the match index, in commit order.

Every bank write that may change what the match index holds logs the touched signals as
`IndexChange` rows that share one sequence number per transaction. Sequence numbers are handed
out under a lock held until commit (PostgreSQL: a transaction-scoped advisory lock; SQLite has
one writer anyway), so a higher number always commits after a lower one: a follower that has
read everything up to N never misses a change by reading only `seq > N` next time, and its
cost is what changed since then, never the size of a past import. The number is taken at the
end of the writer's work, so the lock is held only for the last statement and the commit.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select, text
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


def log_signals(session: Session, signal_ids: list[int]) -> int:
    """Log these signals as changed; returns the sequence number used."""
    seq = next_seq(session)
    if signal_ids:
        now = utcnow()
        session.execute(insert(table_of(IndexChange)),
                        [{"signal_id": s, "at": now, "seq": seq} for s in signal_ids])
    return seq


def insert_selected(session: Session, seq: int, at: object, signal_ids_sql: str) -> int:
    """Log the signals a SQL query selects, in one set-based statement; returns how many."""
    result = session.execute(text(
        f"INSERT INTO bank_index_changes (signal_id, at, seq) SELECT q.signal_id, :at, :seq "
        f"FROM ({signal_ids_sql}) q"), {"at": at, "seq": seq})
    return int(getattr(result, "rowcount", 0) or 0)
