"""Immutable multi-index segment of PDQ hashes.

Why the lookup is exact (no entry within the radius is ever missed)
-------------------------------------------------------------------
Table j (0..7) looks at a substring S_j of the hash: the ``k`` key bits and the
``FP_BITS`` fingerprint bits of its 32-bit table word. The eight substrings are disjoint,
so for any entry x and query q, ``d(x, q) >= sum_j d_j(x, q)`` where d_j is the Hamming
distance restricted to S_j. Pick thresholds t_j with ``sum_j (t_j + 1) > r``. If every
table had ``d_j > t_j`` then ``d >= sum_j (t_j + 1) > r``; so every x with ``d <= r`` has
``d_j <= t_j`` for at least one j (generalised pigeonhole principle).

Table j finds every x with ``d_j <= t_j``: such an x has key distance ``f <= t_j``, and the
lookup enumerates every key within t_j flips of the query key (all of them, no
sampling), then keeps entries whose fingerprint distance is ``<= t_j - f``. Survivors are
verified on the full 256 bits, so the output is exactly ``{x : d(x, q) <= r}``. A hit
is reported only by the first table j with ``d_j <= t_j``, so it appears once.

When enumerating keys would cost more than scanning (large r, tiny segments), the
segment is scanned brute force instead, which is exact trivially.
"""

from __future__ import annotations

import functools
import json
import math
import os
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from tipline.matching.index import _kernels as kern
from tipline.matching.index._removal import mark_ids

# A probe costs roughly as much as brute-force scanning this many rows (random
# bucket access vs. streaming 32 bytes): used to pick probe vs. scan per segment.
PROBE_COST_IN_ROWS = 32
_ARRAYS = ("hashes", "ids", "fp0", "entries", "offsets")


def choose_key_bits(n: int) -> int:
    """Key bits so buckets hold ~5 entries: fewer bits mean more scanning per probe,
    more bits mean more probes and a bigger offsets array."""
    if n <= 0:
        return 4
    return int(min(kern.ROW_BITS, max(4, math.floor(math.log2(max(n, 1) / 5)))))


def thresholds(radius: int) -> np.ndarray:
    """Per-table thresholds t_j with sum_j (t_j + 1) > radius (see module docstring)."""
    total = max(0, radius - kern.N_TABLES + 1)
    base, extra = divmod(total, kern.N_TABLES)
    t = np.full(kern.N_TABLES, base, dtype=np.int64)
    t[:extra] += 1
    return t


@functools.lru_cache(maxsize=64)
def _probe_plan(k: int, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, probes per table, flip masks, flip counts) for one k and radius."""
    t = thresholds(radius)
    tmax = int(min(t.max(), k))
    masks, flips = kern.flip_masks(k, tmax)
    nprobes = np.array([int(np.searchsorted(flips, tj, side="right")) for tj in t])
    return t, nprobes, masks, flips


def probe_count(k: int, radius: int) -> int:
    t = thresholds(radius)
    return sum(sum(math.comb(k, f) for f in range(int(min(tj, k)) + 1)) for tj in t)


@dataclass(frozen=True, eq=False)
class Segment:
    """Rows sorted by table-0 key plus the other seven tables; never modified in place.

    Removal is copy-on-write: a new Segment object with a new ``dead`` bitmap.
    """

    name: str
    k: int
    hashes: np.ndarray  # (n, 32) uint8, table-0 order
    ids: np.ndarray  # (n,) int64
    fp0: np.ndarray  # (n + SCAN_WIDTH,) uint8
    entries: np.ndarray  # (7, n + SCAN_WIDTH) uint32
    offsets: np.ndarray  # (8, 2**k + 1) uint32
    dead: np.ndarray  # (ceil(n / 8),) uint8 bitmap of removed rows
    n_dead: int = 0
    dead_gen: int = 0

    @property
    def n(self) -> int:
        return int(self.ids.shape[0])

    @property
    def n_live(self) -> int:
        return self.n - self.n_dead

    @property
    def nbytes(self) -> int:
        arrays = (self.hashes, self.ids, self.fp0, self.entries, self.offsets, self.dead)
        return sum(int(a.nbytes) for a in arrays)

    @classmethod
    def build(cls, ids: np.ndarray, hashes: np.ndarray) -> Segment:
        if ids.shape[0] > kern.MAX_ROWS:
            raise ValueError(f"a segment holds at most {kern.MAX_ROWS} rows")
        k = choose_key_bits(ids.shape[0])
        h64 = np.ascontiguousarray(hashes, dtype=np.uint8).view(np.uint64)
        order, fp0, entries, offsets = kern.build_tables(h64, k)
        # Copies made by numpy (not numba) get transparent huge pages via madvise,
        # which cuts TLB misses on the random bucket accesses.
        return cls(
            name=f"seg-{uuid.uuid4().hex[:16]}",
            k=k,
            hashes=np.ascontiguousarray(hashes[order]),
            ids=np.ascontiguousarray(ids[order], dtype=np.int64),
            fp0=np.array(fp0),
            entries=np.array(entries),
            offsets=np.array(offsets),
            dead=np.zeros((ids.shape[0] + 7) // 8, dtype=np.uint8),
        )

    def search(self, queries64: np.ndarray, radius: int) -> np.ndarray:
        """Packed hits (see _kernels) of (m, 4) uint64 queries within ``radius``."""
        h64 = self.hashes.view(np.uint64)
        dead = self.dead if self.n_dead else self.dead[:0]
        if probe_count(self.k, radius) * PROBE_COST_IN_ROWS >= self.n:
            return kern.scan(h64, self.n, dead, queries64, radius)
        t, nprobes, masks, flips = _probe_plan(self.k, radius)
        return kern.probe(
            h64, self.fp0, self.entries, self.offsets, self.k, dead,
            queries64, radius, nprobes, masks, flips, t,
        )  # fmt: skip

    def without(self, sorted_ids: np.ndarray) -> Segment | None:
        """Copy with rows of the given ids marked dead, or None if none of them is here."""
        dead = self.dead.copy()
        newly = mark_ids(self.ids, sorted_ids, dead)
        if newly == 0:
            return None
        return replace(self, dead=dead, n_dead=self.n_dead + newly, dead_gen=self.dead_gen + 1)

    def live_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, hashes) of rows not removed, for merging."""
        if self.n_dead == 0:
            return self.ids, self.hashes
        alive = np.unpackbits(self.dead, bitorder="little", count=self.n) == 0
        return self.ids[alive], self.hashes[alive]

    # -- persistence ---------------------------------------------------------------

    def save(self, root: Path) -> None:
        """Write the immutable arrays to ``root/name`` (via a temp dir + rename)."""
        final = root / self.name
        if final.exists():
            return
        tmp = root / f"{self.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        for field in _ARRAYS:
            write_npy(tmp / f"{field}.npy", getattr(self, field))
        write_bytes(tmp / "meta.json", json.dumps({"k": self.k, "n": self.n}).encode())
        fsync_dir(tmp)
        os.replace(tmp, final)
        fsync_dir(root)

    def dead_file(self) -> str:
        return f"{self.name}.dead-{self.dead_gen}.npy"

    @classmethod
    def open(cls, root: Path, name: str, dead_file: str | None, mmap: bool) -> Segment:
        seg_dir = root / name
        meta = json.loads((seg_dir / "meta.json").read_text())
        # "c" (private copy-on-write) maps the files without reading them but yields
        # writable arrays, so numba reuses the kernels compiled for in-memory arrays
        # instead of compiling read-only variants. Nothing ever writes to them.
        mode: Literal["c"] | None = "c" if mmap else None
        arrays = {f: np.load(seg_dir / f"{f}.npy", mmap_mode=mode) for f in _ARRAYS}
        n = int(meta["n"])
        if dead_file is None:
            dead = np.zeros((n + 7) // 8, dtype=np.uint8)
        else:
            dead = np.load(root / dead_file)
        n_dead = int(np.unpackbits(dead, count=n).sum())
        gen = int(dead_file.rsplit("-", 1)[1].split(".")[0]) if dead_file else 0
        return cls(name=name, k=int(meta["k"]), dead=dead, n_dead=n_dead, dead_gen=gen, **arrays)


def write_npy(path: Path, array: np.ndarray) -> None:
    """np.save + fsync so a crash never leaves a half-written file behind a rename."""
    with open(path, "wb") as f:
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
