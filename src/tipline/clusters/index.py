"""The near-duplicate index of cluster members, one per process.

It holds the PDQ hashes (original and border-stripped) of every clustered image and the good
vPDQ frames of every clustered video, and follows `media_cluster_events` by id. Those rows
are only written while the clustering lock is held, and the lock is held until commit, so
when a process holds the lock every event it has not seen has an id above its last one: the
catch-up is incremental and exact. Merges move members between clusters without changing
their hashes, so the index maps entries to files and the database says which cluster a file
is in at decision time.
"""

from __future__ import annotations

import threading

import numpy as np
from sqlalchemy.orm import Session

from tipline.clusters import store
from tipline.clusters.rules import RADIUS, hex_rows
from tipline.matching.index import PdqIndex


class MemberIndex:
    def __init__(self) -> None:
        self.images = PdqIndex()
        self.frames = PdqIndex()
        self._image_files: list[str] = []  # entry id -> file id
        self._frame_files: list[str] = []
        self.last_event_id = 0
        self.lock = threading.Lock()  # one decision at a time per process

    def catch_up(self, session: Session) -> int:
        """Add the members that joined since the last call; returns how many files."""
        head, file_ids = store.joined_since(session, self.last_event_id)
        if not file_ids:
            self.last_event_id = max(self.last_event_id, head)
            return 0
        images, frames = store.member_hashes(session, file_ids)
        self._add(self.images, self._image_files, images)
        self._add(self.frames, self._frame_files, frames)
        self.last_event_id = head
        return len(file_ids)

    @staticmethod
    def _add(index: PdqIndex, owners: list[str], rows: list[tuple[str, str]]) -> None:
        if not rows:
            return
        ids = np.arange(len(owners), len(owners) + len(rows), dtype=np.int64)
        owners.extend(f for f, _ in rows)
        index.add(ids, hex_rows([h for _, h in rows]))

    def image_hits(self, hashes: list[str], radius: int = RADIUS
                   ) -> list[list[tuple[str, int]]]:
        """For each query hash, the member files within `radius` and their distances."""
        if not hashes or len(self.images) == 0:
            return [[] for _ in hashes]
        found = self.images.query_batch(hex_rows(hashes), radius, workers=1)
        return [[(self._image_files[i], d) for i, d in hits] for hits in found]

    def frame_hits(self, frames: list[str], radius: int = RADIUS) -> list[set[str]]:
        """For each query frame, the member videos with a frame within `radius`."""
        if not frames or len(self.frames) == 0:
            return [set() for _ in frames]
        found = self.frames.query_batch(hex_rows(frames), radius, workers=1)
        return [{self._frame_files[i] for i, _ in hits} for hits in found]

    def __len__(self) -> int:
        return len(self.images) + len(self.frames)
