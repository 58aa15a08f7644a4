"""The durable jobs of retroactive matching, on the work queue (`tipline.workqueue`).

Nothing that writes a bank calls this: a `RetroWatcher` in each worker process notices that
the bank change log has moved past the cursor and queues the one `retro-match` item. Its
handler re-matches history for the next batch of the log and moves the cursor in the same
transaction (a crash repeats the batch, which is harmless: results are applied as truth), and
queues itself again while the log is ahead. Cases whose files changed are queued on `reroute`:
routed again, queued to their agencies as a new version, and re-triaged on the `triage` queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.banks import changes
from tipline.db import Database, utcnow
from tipline.matching.service import PdqLookup
from tipline.retro import store
from tipline.retro.fileindex import FileHashIndex
from tipline.retro.models import RetroCursor
from tipline.retro.service import NearRows, Outcome, near_in, rematch_signals
from tipline.workqueue.items import Item, channel, enqueue

RETRO = "retro-match"  # the work queue of the re-matching of history (one key: the log)
WATCH_SECONDS = 1.0  # the watcher polls at most this often: the promise is within a minute


class SyncedLookup(PdqLookup, Protocol):
    def sync(self) -> int: ...


@dataclass
class Retro:
    """What the re-matching job holds in a process: the live bank index (brought up to the
    batch's end before matching) and the index of stored file hashes."""

    index: SyncedLookup
    files: FileHashIndex = field(default_factory=FileHashIndex)
    max_signals: int = 20_000
    last: Outcome | None = None


@dataclass(frozen=True)
class Batch:
    """The next part of the bank log to re-match: whole bank transactions after `after_seq`
    up to `end`, and cryptographic-hash entries after `after_entry` (up to `entry_end`)."""

    after_seq: int
    end: int
    after_entry: int
    entry_end: int
    signals: list[int]
    more: bool  # entries were left for the next batch


def next_batch(session: Session, max_signals: int) -> Batch | None:
    cursor = store.cursor(session)
    end = store.batch_end(session, cursor.last_seq, max_signals) or cursor.last_seq
    newest = store.entries_head(session)
    exact = store.new_exact_entries(session, cursor.last_entry_id, newest, max_signals)
    if end == cursor.last_seq and newest == cursor.last_entry_id:
        return None
    more = len(exact) == max_signals
    signals = set(changes.changed_signals(session, cursor.last_seq, end))
    signals |= {signal for _, signal in exact}
    return Batch(cursor.last_seq, end, cursor.last_entry_id,
                 exact[-1][0] if more else newest, sorted(signals), more)


def apply_batch(session: Session, index: PdqLookup, near: NearRows, batch: Batch) -> Outcome:
    """Re-match the batch and move the cursor past it, in the caller's transaction. Returns
    an empty outcome when the cursor moved meanwhile (another runner did the batch)."""
    cursor = store.cursor(session)
    if (cursor.last_seq, cursor.last_entry_id) != (batch.after_seq, batch.after_entry):
        return Outcome()
    outcome = rematch_signals(session, index, near, batch.signals)
    cursor.last_seq, cursor.last_entry_id = batch.end, batch.entry_end
    cursor.signals += outcome.signals
    cursor.files += outcome.changed_files
    cursor.updated_at = utcnow()
    return outcome


def rematch_log(retro: Retro, session: Session, item: Item) -> None:
    """The handler of `retro-match`: re-match history for the next batch of the change log."""
    batch = next_batch(session, retro.max_signals)
    if batch is None:
        return
    retro.index.sync()  # the batch committed, so the live index now holds it
    retro.last = apply_batch(session, retro.index, near_in(session, retro.files), batch)
    if store.log_head(session) > batch.end or batch.more:
        enqueue(session, RETRO, store.CURSOR)


class RetroWatcher:
    """Queues the re-matching job when the bank change log is ahead of its cursor. Served
    next to the work items, polling every `watch_seconds(poll)`; it reads three numbers per
    poll and writes only when behind."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.asked = (0, 0)  # (log head, newest entry) last asked for: asked again if moved

    @property
    def channels(self) -> list[str]:
        return [channel(RETRO)]

    @staticmethod
    def poll_seconds(worker_poll: float) -> float:
        return max(worker_poll, WATCH_SECONDS)

    def run_one(self) -> bool:
        with self.db.sessions() as session:
            head = (store.log_head(session), store.entries_head(session))
            row = session.execute(select(RetroCursor.last_seq, RetroCursor.last_entry_id)
                                  .where(RetroCursor.name == store.CURSOR)).first()
        done = (int(row[0]), int(row[1])) if row else (0, 0)
        if all(h <= max(d, a) for h, d, a in zip(head, done, self.asked, strict=True)):
            return False
        with self.db.transaction() as session:
            enqueue(session, RETRO, store.CURSOR)
        self.asked = head
        return False  # nothing else to do until the next poll
