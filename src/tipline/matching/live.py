"""The PDQ match index of one process, kept current with the banks without rebuilds.

Banks log every signal whose presence in the index may have changed, numbered
by `seq` in commit order (`banks.changes`). Each process follows that log by its last
`seq`: a poll with nothing new reads no rows, and a bulk import is read once. For the signals
touched it asks the database for the truth (does the signal have an enabled entry?) in one
streamed query and adds or removes their variants. Applying the truth rather than the logged
operation makes replays harmless. Variant ids above the highest id ever added cannot be in the
index, so a bulk import of new hashes costs no removal pass. The index is saved to disk with its
log position, so a restart loads it and catches up instead of rebuilding.
"""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from pathlib import Path
from typing import IO, Any

import numpy as np
from sqlalchemy import func, select

from tipline.banks import changes
from tipline.banks.models import Bank, BankEntry, SignalVariant
from tipline.db import Database

log = logging.getLogger(__name__)
META = "live-meta.json"
BATCH_MIN = 16  # below this, one query per hash beats starting the batch workers
CHUNK = 50_000  # variant rows applied per step while following a large change
RANGES_PER_QUERY = 500  # runs of changed signal ids read per query (`banks.changes`)


class LiveIndex:
    def __init__(self, db: Database, directory: Path | None, poll_seconds: float = 0.2) -> None:
        self.db = db
        self.directory = directory
        self.poll_seconds = poll_seconds
        self.index: Any = None  # a PdqIndex once `open` has run
        self.last_seq = 0
        self.max_added = 0  # the highest variant id ever added: higher ones are not indexed
        self.rows_read = 0  # change-log and variant rows read by syncs (for tests, benchmarks)
        # The widest PDQ distance of any bank (None: no bank), the radius lookups ask for.
        # Thresholds are set when a bank is made, and a bank's entries reach the index only
        # through the change log, so re-reading it whenever a sync applies changes suffices:
        # a lookup then reads no bank list.
        self.radius: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._writer = False
        self._lock_file: IO[str] | None = None

    # -- start-up -------------------------------------------------------------------------
    def open(self) -> None:
        """Load the saved index and catch up, or build it from the banks the first time."""
        from tipline.matching.index import PdqIndex

        self._writer = self._take_writer_lock()
        if self.directory and (self.directory / META).exists():
            meta = json.loads((self.directory / META).read_text())
            self.index = PdqIndex.load(self.directory / "pdq")
            # Older saves hold last_id; migration 0008 numbered those changes seq = id.
            self.last_seq = int(meta.get("last_seq", meta.get("last_id", 0)))
            self.max_added = int(meta.get("max_added", 2**62))
        else:
            self._build()
        self.radius = _widest_threshold(self.db)
        self.sync()

    def _build(self) -> None:
        from tipline.matching.index import PdqIndex

        with self.db.sessions() as session:
            head = changes.latest_seq(session)
            rows = session.execute(
                select(SignalVariant.id, SignalVariant.value)
                .where(SignalVariant.signal_id.in_(_live_signals()))
                .execution_options(yield_per=CHUNK))
            # Arrays chunk by chunk: a million rows as Python objects at once were ~200 MB
            # that the allocator kept as the process's resident memory after the build.
            parts = [_arrays(list(part)) for part in rows.partitions()]
        ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        hashes = np.concatenate([p[1] for p in parts]) if parts else \
            np.zeros((0, 32), dtype=np.uint8)
        del parts
        self.index = PdqIndex(self._pdq_dir())
        if len(ids):
            self.index.add(ids, hashes)
        self.last_seq = head or 0
        self.max_added = int(ids.max()) if len(ids) else 0

    def _pdq_dir(self) -> Path | None:
        return self.directory / "pdq" if self.directory else None

    # -- following the change log ---------------------------------------------------------
    def sync(self) -> int:
        """Apply changes logged since the last sync; returns how many signals were touched."""
        with self._lock, self.db.sessions() as session:
            head = changes.latest_seq(session, self.last_seq)
            self.rows_read += 1
            if head is None:
                return 0
            ranges = changes.changed_ranges(session, self.last_seq, head)
            live = select(BankEntry.signal_id).where(
                BankEntry.signal_id == SignalVariant.signal_id, BankEntry.enabled.is_(True))
            for start in range(0, len(ranges), RANGES_PER_QUERY):
                part_ranges = ranges[start:start + RANGES_PER_QUERY]
                rows = session.execute(
                    select(SignalVariant.id, SignalVariant.value, live.exists())
                    .where(changes.in_ranges(SignalVariant.signal_id, part_ranges))
                    .execution_options(yield_per=CHUNK))
                for part in rows.partitions():
                    self._apply(list(part))
            self.radius = session.scalar(select(func.max(Bank.pdq_threshold)))
            self.last_seq = head
            return sum(last - first + 1 for first, last in ranges)

    def _apply(self, rows: list[Any]) -> None:
        """Remove the rows' variants that may be indexed, then add the live ones."""
        self.rows_read += len(rows)
        maybe_indexed = np.array([r[0] for r in rows if r[0] <= self.max_added], dtype=np.int64)
        if len(maybe_indexed):
            self.index.remove(maybe_indexed)  # idempotent: re-adding below restores live ones
        ids, hashes = _arrays([(r[0], r[1]) for r in rows if r[2]])
        if len(ids):
            self.index.add(ids, hashes)
            self.max_added = max(self.max_added, int(ids.max()))

    def notify(self) -> None:
        """Wake the follower now (after this process changed a bank)."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._follow, name="live-index", daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception:  # the database may be briefly unavailable
                log.exception("match index sync failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)
        self.save()
        if self._lock_file:
            self._lock_file.close()  # releases the writer lock for the next process
            self._lock_file, self._writer = None, False

    def _take_writer_lock(self) -> bool:
        """Many processes may share one index folder: they all load it, but only the one
        holding this lock writes it back, so saves never interleave."""
        if not self.directory:
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_file = (self.directory / ".writer.lock").open("a")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def save(self) -> None:
        if not self.directory or self.index is None or not self._writer:
            return
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.index.save()
            tmp = self.directory / (META + ".tmp")
            tmp.write_text(json.dumps({"last_seq": self.last_seq,
                                       "max_added": self.max_added}))
            tmp.replace(self.directory / META)

    # -- queries ------------------------------------------------------------------------
    def query(self, hex_hash: str, radius: int) -> list[tuple[int, int]]:
        if self.index is None:
            raise RuntimeError("the match index was not opened")
        result: list[tuple[int, int]] = self.index.query(bytes.fromhex(hex_hash), radius)
        return result

    def query_many(self, hex_hashes: list[str], radius: int) -> list[list[tuple[int, int]]]:
        """`query` of many hashes at once (a batch request): one pass on every core."""
        if self.index is None:
            raise RuntimeError("the match index was not opened")
        if len(hex_hashes) < BATCH_MIN:
            return [self.query(h, radius) for h in hex_hashes]
        hashes = np.frombuffer(bytes.fromhex("".join(hex_hashes)), dtype=np.uint8)
        result: list[list[tuple[int, int]]] = self.index.query_batch(
            hashes.reshape(len(hex_hashes), 32), radius)
        return result

    def __len__(self) -> int:
        return 0 if self.index is None else len(self.index)


def _widest_threshold(db: Database) -> int | None:
    with db.sessions() as session:
        return session.scalar(select(func.max(Bank.pdq_threshold)))


def _live_signals():  # type: ignore[no-untyped-def]
    return select(BankEntry.signal_id).where(BankEntry.enabled.is_(True)).distinct()


def _arrays(rows: list[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    raw = bytes.fromhex("".join(r[1] for r in rows))  # one buffer, not an array per hash
    return ids, np.frombuffer(raw, dtype=np.uint8).reshape(len(rows), 32).copy()
