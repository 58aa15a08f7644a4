"""The PDQ match index of one process, kept current with the banks without rebuilds.

Banks write an `IndexChange` row for every signal whose presence in the index may have changed.
Each process follows that log: it re-reads changes since its last position minus an overlap
window (PostgreSQL sequence values can commit out of order, so a low id may appear after a
higher one) and, for each signal touched, asks the database for the truth (does the signal have
an enabled entry?) and adds or removes the signal's variants. Applying the truth rather than
the logged operation makes replays harmless. The index is saved to disk with its log position,
so a restart loads it and catches up instead of rebuilding.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import threading
from pathlib import Path
from typing import IO, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.banks.models import BankEntry, IndexChange, SignalVariant
from tipline.db import Database, utcnow

log = logging.getLogger(__name__)
OVERLAP = dt.timedelta(seconds=30)
META = "live-meta.json"
CHUNK = 500


class LiveIndex:
    def __init__(self, db: Database, directory: Path | None, poll_seconds: float = 0.2) -> None:
        self.db = db
        self.directory = directory
        self.poll_seconds = poll_seconds
        self.index: Any = None  # a PdqIndex once `open` has run
        self.last_id = 0
        self.last_at = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._seen: dict[int, dt.datetime] = {}  # change ids applied within the overlap
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
            self.last_id = int(meta["last_id"])
            self.last_at = dt.datetime.fromisoformat(meta["last_at"])
        else:
            self._build()
        self.sync()

    def _build(self) -> None:
        from tipline.matching.index import PdqIndex

        with self.db.sessions() as session:
            head = session.scalar(select(IndexChange.id).order_by(IndexChange.id.desc())
                                  .limit(1))
            rows = session.execute(
                select(SignalVariant.id, SignalVariant.value)
                .where(SignalVariant.signal_id.in_(_live_signals())))
            ids, hashes = _arrays(list(rows))
        self.index = PdqIndex(self._pdq_dir())
        if len(ids):
            self.index.add(ids, hashes)
        self.last_id, self.last_at = head or 0, utcnow()

    def _pdq_dir(self) -> Path | None:
        return self.directory / "pdq" if self.directory else None

    # -- following the change log ---------------------------------------------------------
    def sync(self) -> int:
        """Apply changes logged since the last sync; returns how many signals were touched."""
        with self._lock, self.db.sessions() as session:
            changes = [c for c in session.execute(
                select(IndexChange.id, IndexChange.signal_id, IndexChange.at)
                .where((IndexChange.id > self.last_id)
                       | (IndexChange.at >= self.last_at - OVERLAP))
                .order_by(IndexChange.id)) if c.id not in self._seen]
            if not changes:
                return 0
            signals = sorted({c.signal_id for c in changes})
            for start in range(0, len(signals), CHUNK):
                self._apply(session, signals[start:start + CHUNK])
            self.last_id = max(self.last_id, changes[-1].id)
            self.last_at = max(self.last_at, max(c.at for c in changes))
            self._seen.update((c.id, c.at) for c in changes)
            horizon = self.last_at - OVERLAP
            self._seen = {i: at for i, at in self._seen.items() if at >= horizon}
            return len(signals)

    def _apply(self, session: Session, signal_ids: list[int]) -> None:
        live = set(session.scalars(select(BankEntry.signal_id).where(
            BankEntry.signal_id.in_(signal_ids), BankEntry.enabled.is_(True))))
        rows = list(session.execute(select(SignalVariant.id, SignalVariant.value,
                                           SignalVariant.signal_id)
                                    .where(SignalVariant.signal_id.in_(signal_ids))))
        all_ids = np.array([r.id for r in rows], dtype=np.int64)
        if len(all_ids):
            self.index.remove(all_ids)  # idempotent: re-adding below restores live ones
        ids, hashes = _arrays([(r.id, r.value) for r in rows if r.signal_id in live])
        if len(ids):
            self.index.add(ids, hashes)

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
            tmp.write_text(json.dumps({"last_id": self.last_id,
                                       "last_at": self.last_at.isoformat()}))
            tmp.replace(self.directory / META)

    # -- queries ------------------------------------------------------------------------
    def query(self, hex_hash: str, radius: int) -> list[tuple[int, int]]:
        if self.index is None:
            raise RuntimeError("the match index was not opened")
        result: list[tuple[int, int]] = self.index.query(bytes.fromhex(hex_hash), radius)
        return result

    def __len__(self) -> int:
        return 0 if self.index is None else len(self.index)


def _live_signals():  # type: ignore[no-untyped-def]
    return select(BankEntry.signal_id).where(BankEntry.enabled.is_(True)).distinct()


def _arrays(rows: list[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    hashes = np.array([np.frombuffer(bytes.fromhex(r[1]), dtype=np.uint8) for r in rows],
                      dtype=np.uint8).reshape(len(rows), 32)
    return ids, hashes
