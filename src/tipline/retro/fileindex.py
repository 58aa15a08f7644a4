"""The PDQ hashes of every stored file, one index per process, for retroactive matching.

Retroactive matching asks "which stored files are near these new bank hashes?": the new
entries are the queries and the stored files the index, so the cost of a bank import is its
own size times a multi-index lookup, never every stored file against every bank hash. The
index holds `file_signals` row ids (int64, no file-id strings in memory) and follows that table
by id, so each call adds only the files hashed since the last one.

A file hashed while a bank import commits may be missed here (on PostgreSQL ids are not
handed out in commit order); such a file is still in the pipeline, whose matching stage
looks it up in the live bank index after the hashing stage committed it.
"""

from __future__ import annotations

import threading

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.matching.index import PdqIndex
from tipline.reports.models import FileSignal

CHUNK = 50_000  # file signal rows added per step when catching up


def hex_rows(hexes: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(len(hexes), 32)


class FileHashIndex:
    def __init__(self) -> None:
        self.index = PdqIndex()
        self.last_id = 0
        self.lock = threading.Lock()

    def catch_up(self, session: Session) -> int:
        """Add the PDQ hashes of files hashed since the last call; returns how many."""
        with self.lock:
            rows = session.execute(
                select(FileSignal.id, FileSignal.value)
                .where(FileSignal.signal_type == "pdq", FileSignal.id > self.last_id)
                .order_by(FileSignal.id).execution_options(yield_per=CHUNK))
            added = 0
            for part in rows.partitions():
                ids = np.array([r[0] for r in part], dtype=np.int64)
                self.index.add(ids, hex_rows([r[1] for r in part]))
                self.last_id = int(ids[-1])
                added += len(ids)
            return added

    def near(self, hexes: list[str], radius: int) -> list[list[tuple[int, int]]]:
        """For each hash, the (file signal id, distance) pairs within `radius`."""
        if not hexes or len(self.index) == 0:
            return [[] for _ in hexes]
        found: list[list[tuple[int, int]]] = self.index.query_batch(hex_rows(hexes), radius)
        return found

    def __len__(self) -> int:
        return len(self.index)
