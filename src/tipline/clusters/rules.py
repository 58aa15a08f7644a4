"""The clustering core: pure functions over arrays, shared by the pipeline stage and bulk runs.

Files are nodes; an edge joins two files that are the same content (equal SHA-256) or near
duplicates (PDQ within 31 bits, any rotation or mirror; vPDQ with >= 80% of frames matching).
Clusters are the connected components of that graph (single linkage), found by union-find.

Two ways produce edges, both verified on the full 256 bits:
- the stage asks the process's exact `PdqIndex` for the few hashes of one report;
- `cluster_hashes` (bulk: a backfill, re-clustering, the benchmark) generates candidates by
  bit-sampling LSH, because exact radius-31 search costs ~2-3 ms per query at 1M hashes
  (measured: ~350-500 queries/s per core), far too slow to self-join a million hashes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit

RADIUS = 31  # PDQ's conventional match distance (inclusive)
VPDQ_MATCH_PCT = 80.0  # share of a video's good frames that must match, as in matching
PDQ_QUALITY_MIN = 50  # below this a PDQ hash is noise (flat images): cluster by SHA-256 only

# How strong each kind of evidence is, for choosing the reason a file is shown to have joined.
_STRENGTH = {"sha256": 0, "pdq": 1, "vpdq": 2}


# -- array helpers ---------------------------------------------------------------------------

def hex_rows(values: Sequence[str]) -> np.ndarray:
    """PDQ hex strings -> (n, 32) uint8."""
    if not values:
        return np.empty((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, 32).copy()


def hamming_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All distances between rows of two (n, 32) uint8 arrays (small inputs only)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=np.int64)
    x = np.bitwise_xor(a[:, None, :], b[None, :, :])
    return np.unpackbits(x, axis=2).sum(axis=2).astype(np.int64)


# -- union-find ------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving keeps trees flat without recursion
        x = parent[x]
    return x


@njit(cache=True, nogil=True)
def _union(parent: np.ndarray, a: int, b: int) -> bool:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra == rb:
        return False
    # The smaller index becomes the root, so labels do not depend on edge order.
    if ra < rb:
        parent[rb] = ra
    else:
        parent[ra] = rb
    return True


@njit(cache=True, nogil=True)
def _union_pairs(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    for i in range(a.shape[0]):
        _union(parent, a[i], b[i])


@njit(cache=True, nogil=True)
def _flatten(parent: np.ndarray) -> np.ndarray:
    out = np.empty(parent.shape[0], dtype=np.int64)
    for i in range(parent.shape[0]):
        out[i] = _find(parent, i)
    return out


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of n nodes and edges (a[i], b[i]): each node's label is the
    smallest node of its component."""
    parent = np.arange(n, dtype=np.int64)
    _union_pairs(parent, np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
    labels: np.ndarray = _flatten(parent)
    return labels


# -- bulk: LSH candidates, exact verification -----------------------------------------------

@njit(cache=True, nogil=True)
def _popcount(x: np.uint64) -> int:
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True)
def _distance(h64: np.ndarray, i: int, j: int) -> int:
    d = 0
    for w in range(4):
        d += _popcount(h64[i, w] ^ h64[j, w])
    return d


@njit(cache=True, nogil=True)
def _sample_keys(h64: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The bits at `positions` of every hash, packed into one key per hash."""
    n = h64.shape[0]
    keys = np.zeros(n, dtype=np.uint32)
    for i in range(n):
        key = np.uint32(0)
        for p in range(positions.shape[0]):
            pos = positions[p]
            bit = (h64[i, pos >> 6] >> np.uint64(pos & 63)) & np.uint64(1)
            key = (key << np.uint32(1)) | np.uint32(bit)
        keys[i] = key
    return keys


@njit(cache=True, nogil=True)
def _join_buckets(h64: np.ndarray, order: np.ndarray, keys: np.ndarray, parent: np.ndarray,
                  radius: int, window: int) -> int:
    """Union every pair of one bucket within `radius`; returns the distances computed.

    Pairs already in one component are skipped before any distance is computed: clustering
    needs connectivity, not every pair. A bucket larger than `window` (many exact copies)
    compares each hash with the `window` before it, which still chains copies together.
    """
    n = order.shape[0]
    checked = 0
    start = 0
    while start < n:
        end = start + 1
        key = keys[order[start]]
        while end < n and keys[order[end]] == key:
            end += 1
        for x in range(start + 1, end):
            i = order[x]
            for y in range(max(start, x - window), x):
                j = order[y]
                if _find(parent, i) == _find(parent, j):
                    continue
                checked += 1
                if _distance(h64, i, j) <= radius:
                    _union(parent, i, j)
        start = end
    return checked


def collision_probability(distance: int, bits: int) -> float:
    """Chance that two hashes `distance` apart agree on `bits` distinct random positions."""
    p = 1.0
    for i in range(bits):
        p *= (256 - distance - i) / (256 - i)
    return max(p, 0.0)


@dataclass(frozen=True)
class LshPlan:
    bits: int
    tables: int


def lsh_plan(n: int, radius: int = RADIUS, miss: float = 0.01) -> LshPlan:
    """Key bits so a bucket holds ~4 unrelated hashes, and enough tables that a pair exactly
    `radius` apart is missed with probability <= `miss` (closer pairs far less; and a file
    needs only one path to its cluster, so cluster recall is higher still)."""
    bits = int(min(24, max(8, round(math.log2(max(n, 2) / 4)))))
    p = collision_probability(radius, bits)
    tables = max(1, math.ceil(math.log(miss) / math.log1p(-p)))
    return LshPlan(bits, tables)


@dataclass
class BulkStats:
    tables: int = 0
    bits: int = 0
    distances: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def cluster_hashes(hashes: np.ndarray, radius: int = RADIUS, *, miss: float = 0.01,
                   seed: int = 0, window: int = 64, stats: BulkStats | None = None
                   ) -> np.ndarray:
    """Cluster (n, 32) uint8 PDQ hashes: label = smallest row of each row's cluster.

    Every edge is verified exactly (<= radius), so no pair is joined that PDQ would not
    match; a pair at the radius is missed by the candidate step with probability <= `miss`.
    """
    h = np.ascontiguousarray(hashes, dtype=np.uint8)
    n = h.shape[0]
    parent = np.arange(n, dtype=np.int64)
    if n < 2:
        return parent
    h64 = h.view(np.uint64).reshape(n, 4)
    plan = lsh_plan(n, radius, miss)
    rng = np.random.default_rng(seed)
    for _ in range(plan.tables):
        positions = rng.choice(256, size=plan.bits, replace=False).astype(np.int64)
        # The bit order inside a PDQ byte is irrelevant here: positions are a random sample.
        keys = _sample_keys(h64, positions)
        order = np.argsort(keys, kind="stable").astype(np.int64)
        checked = _join_buckets(h64, order, keys, parent, radius, window)
        if stats is not None:
            stats.distances += int(checked)
    if stats is not None:
        stats.tables, stats.bits = plan.tables, plan.bits
    labels: np.ndarray = _flatten(parent)
    return labels


# -- the stage's decision --------------------------------------------------------------------

@dataclass(frozen=True)
class Edge:
    """New file `file` is the same content as node `other` (another new file, or an existing
    cluster numbered after the new files), because of `reason` ('sha256', 'pdq', 'vpdq')
    with `score` (PDQ distance, or vPDQ percentage)."""

    file: int
    other: int
    reason: str
    score: float = 0.0

    @property
    def label(self) -> str:
        if self.reason == "pdq":
            return f"pdq:{int(self.score)}"
        if self.reason == "vpdq":
            return f"vpdq:{self.score:.0f}%"
        return self.reason


@dataclass(frozen=True)
class Group:
    """New files (indexes) that form one cluster, and the existing clusters they join; the
    oldest existing cluster survives and the others merge into it."""

    files: list[int]
    clusters: list[int]

    @property
    def target(self) -> int | None:
        return min(self.clusters) if self.clusters else None


def plan_groups(n_files: int, cluster_ids: Sequence[int], edges: Sequence[Edge]) -> list[Group]:
    """Group new files with each other and with existing clusters (nodes n_files + i stand for
    cluster_ids[i]), through the same union-find as the bulk path."""
    a = np.array([e.file for e in edges], dtype=np.int64)
    b = np.array([e.other for e in edges], dtype=np.int64)
    labels = components(n_files + len(cluster_ids), a, b)
    groups: dict[int, Group] = {}
    for node in range(n_files + len(cluster_ids)):
        group = groups.setdefault(int(labels[node]), Group([], []))
        if node < n_files:
            group.files.append(node)
        else:
            group.clusters.append(int(cluster_ids[node - n_files]))
    return [g for g in groups.values() if g.files]


def join_reason(file: int, edges: Sequence[Edge], n_files: int) -> str:
    """The strongest evidence a file has for its cluster: exact beats PDQ beats vPDQ, and a
    closer PDQ distance beats a farther one. Edges between two new files count for both."""
    mine = [e for e in edges if e.file == file or (e.other == file and e.other < n_files)]
    if not mine:
        return "new"
    best = min(mine, key=lambda e: (_STRENGTH[e.reason],
                                    e.score if e.reason == "pdq" else -e.score))
    return best.label


def video_match_pct(query_frames: int, matched: set[int]) -> float:
    return 100.0 * len(matched) / query_frames if query_frames else 0.0


def seen_at(incident_at: dt.datetime | None, received_at: dt.datetime) -> dt.datetime:
    """When a report's content was seen: the incident time it states, else when it came."""
    return incident_at or received_at
