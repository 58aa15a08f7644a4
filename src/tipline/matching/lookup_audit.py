"""The audit rows of match lookups, written in batches off the request path.

A lookup reads and writes nothing else, so its audit row was the only reason for a write
transaction per request (a BEGIN, the insert and a COMMIT: three round trips of a single-hash
lookup's five). Once `start`ed, rows wait here and one thread writes them every
`FLUSH_SECONDS` in a single transaction; `stop` writes what is left. The trade, decided for
lookups only: a crash (not a clean stop) loses at most the last `FLUSH_SECONDS` of lookup audit
rows, and a row's time is when it was written (at most that much later). Nothing depends on
these rows but the record that a lookup happened and its size, and a bank, case or report
change never goes through here. Before `start` (the CLI, tests without a server) every row is
written at once in its own transaction.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from tipline.audit.service import Actor, Event, record_all
from tipline.db import Database

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.5


class LookupAudit:
    def __init__(self, db: Database, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self._pending: list[tuple[Actor, Event]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, actor: Actor, event: Event) -> None:
        if self._thread is None:
            self._write([(actor, event)])
            return
        with self._lock:
            self._pending.append((actor, event))

    def flush(self) -> int:
        """Write every waiting row in one transaction; returns how many."""
        with self._lock:
            rows, self._pending = self._pending, []
        if rows:
            try:
                self._write(rows)
            except Exception:
                with self._lock:  # kept for the next flush, in their order
                    self._pending[:0] = rows
                raise
        return len(rows)

    def _write(self, rows: list[tuple[Actor, Event]]) -> None:
        by_actor: dict[Actor, list[Event]] = defaultdict(list)
        for actor, event in rows:
            by_actor[actor].append(event)
        with self.db.core_transaction() as conn:
            for actor, events in by_actor.items():
                record_all(conn, actor, events)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lookup-audit", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            try:
                self.flush()
            except Exception:  # the database may be briefly away: the rows wait for the next
                log.exception("writing lookup audit rows failed")

    def stop(self) -> None:
        """Stop the writer and write what waits (a clean shutdown loses nothing)."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=30)
            self._thread = None
        self.flush()
