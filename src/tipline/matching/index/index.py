"""PdqIndex: exact Hamming-radius lookup of PDQ hashes with incremental updates.

Structure (an LSM tree in miniature):

* immutable :class:`Segment` objects (multi-index tables, see segment.py), oldest first;
* a small append-only *delta* buffer, scanned brute force, so ``add`` is visible at once;
* removals mark rows dead in a copy-on-write bitmap (delta rows are dropped directly).

Readers never lock: they take the current immutable ``_State`` snapshot. Writers hold
``_lock``, build a new snapshot and publish it with one attribute assignment. When the
delta fills it becomes a segment; segments of similar size are merged by a background
thread (numba kernels release the GIL), so queries are never blocked by a merge.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from tipline.matching.index import _kernels as kern
from tipline.matching.index._removal import keep_mask
from tipline.matching.index.files import (
    FORMAT_VERSION,
    MANIFEST,
    atomic_npy,
    atomic_npz,
    collect_garbage,
    read_saved,
)
from tipline.matching.index.segment import Segment, fsync_dir, write_bytes

__all__ = ["PdqIndex", "bytes_to_hex", "hex_to_bytes"]

DEFAULT_RADIUS = 31
HASH_BYTES = 32
DELTA_ROWS = 8192  # brute-force scanning this many rows costs ~20 us per query
MERGE_RATIO = 4  # merge the newest segments while the older is < 4x the newer

Hit = tuple[int, int]


def hex_to_bytes(pdq_hex: str) -> bytes:
    """64 hex chars (python-threatexchange's PDQ format) -> 32 bytes."""
    if len(pdq_hex) != 2 * HASH_BYTES:
        raise ValueError(f"PDQ hex must be {2 * HASH_BYTES} characters, got {len(pdq_hex)}")
    return bytes.fromhex(pdq_hex)


def bytes_to_hex(pdq: bytes | np.ndarray) -> str:
    """32 bytes -> 64 lowercase hex chars, the inverse of :func:`hex_to_bytes`."""
    data = pdq.tobytes() if isinstance(pdq, np.ndarray) else bytes(pdq)
    if len(data) != HASH_BYTES:
        raise ValueError(f"PDQ hash must be {HASH_BYTES} bytes, got {len(data)}")
    return data.hex()


def _as_hashes(hashes: np.ndarray | bytes) -> np.ndarray:
    """Any (n, 32) uint8-like or raw bytes -> contiguous (n, 32) uint8."""
    if isinstance(hashes, bytes | bytearray):
        arr = np.frombuffer(bytes(hashes), dtype=np.uint8)
    else:
        arr = np.asarray(hashes)
        if arr.dtype != np.uint8:
            raise TypeError(f"hashes must be uint8, got {arr.dtype}")
    if arr.size % HASH_BYTES or (arr.ndim == 2 and arr.shape[1] != HASH_BYTES):
        raise ValueError(f"hashes must have shape (n, {HASH_BYTES})")
    return np.ascontiguousarray(arr.reshape(-1, HASH_BYTES))


def _as_ids(ids: np.ndarray | Sequence[int]) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


@dataclass(frozen=True)
class _State:
    """Everything a query reads; replaced wholesale, never mutated after publication.

    The delta buffers may have rows appended *past* ``delta_n`` by a writer; readers
    only look at the first ``delta_n`` rows, so that is safe without copying.
    """

    segments: tuple[Segment, ...] = ()
    delta_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    delta_hashes: np.ndarray = field(
        default_factory=lambda: np.empty((0, HASH_BYTES), dtype=np.uint8)
    )
    delta_n: int = 0

    def __len__(self) -> int:
        return sum(s.n_live for s in self.segments) + self.delta_n


class PdqIndex:
    """Exact PDQ near-duplicate index: all entries within a Hamming radius of a query."""

    def __init__(self, directory: Path | None = None, *, mmap: bool = True) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._state = _State()
        self._lock = threading.Lock()  # serialises writers; readers never take it
        self._save_lock = threading.Lock()
        self._merge_thread: threading.Thread | None = None
        self._merge_removed: list[np.ndarray] | None = None  # removals during a merge
        if self.directory is not None and (self.directory / MANIFEST).exists():
            segs, d_ids, d_hashes = read_saved(self.directory, mmap)
            self._state = _State(segments=segs, delta_ids=d_ids, delta_hashes=d_hashes,
                                 delta_n=d_ids.shape[0])

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> PdqIndex:
        """Open a saved index; arrays are memory-mapped unless ``mmap=False``."""
        if not (Path(directory) / MANIFEST).exists():
            raise FileNotFoundError(f"no PDQ index in {directory}")
        return cls(directory, mmap=mmap)

    def __len__(self) -> int:
        return len(self._state)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index arrays (mapped or in memory)."""
        s = self._state
        return sum(seg.nbytes for seg in s.segments) + s.delta_ids.nbytes + s.delta_hashes.nbytes

    # -- writes --------------------------------------------------------------------

    def add(self, ids: np.ndarray, hashes: np.ndarray) -> None:
        """Add entries; visible to queries when this returns. Ids may repeat (an id
        with several hashes); :meth:`remove` drops all entries of an id."""
        ids_a, hashes_a = _as_ids(ids), _as_hashes(hashes)
        if ids_a.shape[0] != hashes_a.shape[0]:
            raise ValueError("ids and hashes must have the same length")
        if ids_a.shape[0] == 0:
            return
        if ids_a.shape[0] >= DELTA_ROWS:
            # Bulk loads skip the delta; building outside the lock keeps writers moving.
            new = [
                Segment.build(ids_a[i : i + kern.MAX_ROWS], hashes_a[i : i + kern.MAX_ROWS])
                for i in range(0, ids_a.shape[0], kern.MAX_ROWS)
            ]
            with self._lock:
                s = self._state
                self._state = replace(s, segments=(*s.segments, *new))
        else:
            with self._lock:
                self._append_delta(ids_a, hashes_a)
        self._schedule_merge()

    def _append_delta(self, ids: np.ndarray, hashes: np.ndarray) -> None:
        s = self._state
        n, m = s.delta_n, ids.shape[0]
        d_ids, d_hashes = s.delta_ids, s.delta_hashes
        if n + m > d_ids.shape[0]:
            cap = max(DELTA_ROWS, 2 * (n + m))
            d_ids = np.empty(cap, dtype=np.int64)
            d_hashes = np.empty((cap, HASH_BYTES), dtype=np.uint8)
            d_ids[:n], d_hashes[:n] = s.delta_ids[:n], s.delta_hashes[:n]
        d_ids[n : n + m], d_hashes[n : n + m] = ids, hashes
        s = replace(s, delta_ids=d_ids, delta_hashes=d_hashes, delta_n=n + m)
        if s.delta_n >= DELTA_ROWS:
            seg = Segment.build(d_ids[: s.delta_n], d_hashes[: s.delta_n])
            # A fresh (empty) buffer: old snapshots may still be reading the full one.
            s = replace(s, segments=(*s.segments, seg), delta_n=0, delta_ids=np.empty(0, np.int64),
                        delta_hashes=np.empty((0, HASH_BYTES), np.uint8))  # fmt: skip
        self._state = s

    def remove(self, ids: np.ndarray) -> None:
        """Remove every entry with one of these ids; visible when this returns."""
        targets = np.unique(_as_ids(ids))
        if targets.shape[0] == 0:
            return
        with self._lock:
            self._state = _remove_from(self._state, targets)
            if self._merge_removed is not None:
                self._merge_removed.append(targets)

    # -- reads ---------------------------------------------------------------------

    def query(self, hash32: bytes | np.ndarray, radius: int = DEFAULT_RADIUS) -> list[Hit]:
        """(id, distance) of every entry within ``radius`` bits, nearest first."""
        q = _as_hashes(hash32)
        if q.shape[0] != 1:
            raise ValueError("query takes exactly one hash; use query_batch")
        return _search(self._state, q, radius)[0]

    def query_batch(
        self, hashes: np.ndarray, radius: int = DEFAULT_RADIUS, *, workers: int | None = None
    ) -> list[list[Hit]]:
        """:meth:`query` for each row of an (m, 32) uint8 array, on all CPU cores."""
        q = _as_hashes(hashes)
        state = self._state  # one snapshot for the whole batch
        nworkers = workers or os.cpu_count() or 1
        if nworkers == 1 or q.shape[0] < 2 * nworkers:
            return _search(state, q, radius)
        chunks = np.array_split(q, nworkers * 4)
        with ThreadPoolExecutor(nworkers) as pool:
            parts = pool.map(lambda c: _search(state, c, radius), chunks)
            return [hits for part in parts for hits in part]

    # -- maintenance ---------------------------------------------------------------

    def compact(self) -> None:
        """Merge the delta and every segment into as few segments as possible (blocking)."""
        self.wait_for_merges()
        with self._lock:
            s = self._state
            ids, hashes = _live_rows(s.segments, s)
            segs = tuple(
                Segment.build(ids[i : i + kern.MAX_ROWS], hashes[i : i + kern.MAX_ROWS])
                for i in range(0, ids.shape[0], kern.MAX_ROWS)
            )
            self._state = _State(segments=segs)

    def wait_for_merges(self) -> None:
        t = self._merge_thread
        if t is not None:
            t.join()

    def _schedule_merge(self) -> None:
        with self._lock:
            if _merge_plan(self._state.segments) is None:
                return
            if self._merge_thread is not None and self._merge_thread.is_alive():
                return
            self._merge_thread = threading.Thread(
                target=self._merge_loop, name="pdq-index-merge", daemon=True
            )
            self._merge_thread.start()

    def _merge_loop(self) -> None:
        while True:
            with self._lock:
                plan = _merge_plan(self._state.segments)
                if plan is None:
                    return
                self._merge_removed = []
            ids, hashes = _live_rows(plan, None)
            merged = Segment.build(ids, hashes)  # the slow part, outside the lock
            with self._lock:
                removed, self._merge_removed = self._merge_removed or [], None
                s = self._state
                names = [seg.name for seg in s.segments]
                if any(p.name not in names for p in plan):
                    continue  # compact() replaced the segments meanwhile: drop this merge
                for targets in removed:
                    merged = merged.without(targets) or merged
                first = names.index(plan[0].name)
                planned = {p.name for p in plan}
                keep = [seg for seg in s.segments if seg.name not in planned]
                if merged.n:
                    keep.insert(first, merged)
                self._state = replace(s, segments=tuple(keep))

    # -- persistence ---------------------------------------------------------------

    def save(self) -> None:
        """Persist to ``directory``. New segments and the manifest are written to temp
        files and renamed, so a crash leaves the previous save intact."""
        if self.directory is None:
            raise ValueError("this index has no directory; pass one to PdqIndex(...)")
        with self._save_lock:
            root = self.directory
            root.mkdir(parents=True, exist_ok=True)
            s = self._state  # snapshot; writers continue meanwhile
            manifest: dict[str, object] = {"version": FORMAT_VERSION, "segments": []}
            seg_list: list[dict[str, str | None]] = []
            for seg in s.segments:
                seg.save(root)
                dead_file = None
                if seg.n_dead:
                    dead_file = seg.dead_file()
                    if not (root / dead_file).exists():
                        atomic_npy(root, dead_file, seg.dead)
                seg_list.append({"name": seg.name, "dead": dead_file})
            manifest["segments"] = seg_list
            delta_file = f"delta-{uuid.uuid4().hex[:16]}.npz"
            atomic_npz(root, delta_file, s.delta_ids[: s.delta_n], s.delta_hashes[: s.delta_n])
            manifest["delta"] = delta_file
            write_bytes(root / f"{MANIFEST}.tmp", json.dumps(manifest, indent=1).encode())
            os.replace(root / f"{MANIFEST}.tmp", root / MANIFEST)
            fsync_dir(root)
            collect_garbage(root, manifest)


# -- helpers (module level so they are easy to test and reason about) -----------------


def _search(state: _State, queries: np.ndarray, radius: int) -> list[list[Hit]]:
    """Run all segments and the delta for a block of queries."""
    m = queries.shape[0]
    if radius < 0 or m == 0:
        return [[] for _ in range(m)]
    radius = min(radius, 8 * HASH_BYTES)
    q64 = queries.view(np.uint64)
    packs: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for seg in state.segments:
        packed = seg.search(q64, radius)
        packs.append(packed)
        owners.append(seg.ids[packed & kern.ROW_MASK])
    if state.delta_n:
        d64 = state.delta_hashes.view(np.uint64)
        packed = kern.scan(d64, state.delta_n, np.empty(0, np.uint8), q64, radius)
        packs.append(packed)
        owners.append(state.delta_ids[packed & kern.ROW_MASK])
    return _group(np.concatenate(packs) if packs else np.empty(0, np.int64),
                  np.concatenate(owners) if owners else np.empty(0, np.int64), m)  # fmt: skip


def _group(packed: np.ndarray, ids: np.ndarray, m: int) -> list[list[Hit]]:
    """Split packed hits into per-query lists sorted by (distance, id)."""
    qi = packed >> kern.QUERY_SHIFT
    dist = (packed >> kern.DIST_SHIFT) & 0x1FF
    order = np.lexsort((ids, dist, qi))
    qi, dist, ids = qi[order], dist[order], ids[order]
    bounds = np.searchsorted(qi, np.arange(m + 1))
    id_list, dist_list = ids.tolist(), dist.tolist()
    return [
        list(zip(id_list[a:b], dist_list[a:b], strict=True)) for a, b in itertools.pairwise(bounds)
    ]


def _remove_from(s: _State, targets: np.ndarray) -> _State:
    segs = tuple(seg.without(targets) or seg for seg in s.segments)
    if s.delta_n == 0:
        return replace(s, segments=segs)
    keep = keep_mask(s.delta_ids[: s.delta_n], targets)
    d_ids = s.delta_ids[: s.delta_n][keep]
    d_hashes = s.delta_hashes[: s.delta_n][keep]
    return _State(segments=segs, delta_ids=d_ids, delta_hashes=d_hashes, delta_n=d_ids.shape[0])


def _live_rows(segments: Sequence[Segment], state: _State | None) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated live (ids, hashes) of segments, plus the delta of ``state`` if given."""
    parts = [seg.live_rows() for seg in segments]
    if state is not None:
        parts.append((state.delta_ids[: state.delta_n], state.delta_hashes[: state.delta_n]))
    if not parts:
        return np.empty(0, np.int64), np.empty((0, HASH_BYTES), np.uint8)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _merge_plan(segments: tuple[Segment, ...]) -> tuple[Segment, ...] | None:
    """Newest run of segments to merge: keeps sizes growing ~MERGE_RATIO-fold from the
    newest to the oldest, so there are O(log n) segments and each row is rewritten
    O(log n) times. Also merges away segments that are mostly dead."""
    if len(segments) < 2:
        return None
    a, b = segments[-2], segments[-1]
    if a.n_live + b.n_live > kern.MAX_ROWS:
        return None
    if a.n_live <= MERGE_RATIO * b.n_live or a.n_dead > a.n // 2:
        start = len(segments) - 2
        total = a.n_live + b.n_live
        # Pull in older segments that the merged one would now be comparable to.
        while start > 0 and segments[start - 1].n_live <= MERGE_RATIO * total:
            if total + segments[start - 1].n_live > kern.MAX_ROWS:
                break
            start -= 1
            total += segments[start].n_live
        return segments[start:]
    return None
