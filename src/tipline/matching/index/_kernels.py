"""Numba kernels for the PDQ multi-index.

Layout shared by every kernel (see ``segment.py`` for the proof of exact recall):

* a hash is viewed as four little-endian ``uint64`` words ``h[0..3]``;
* table ``j`` (0..7) owns byte ``j`` of each of the four words, i.e. PDQ bytes
  ``j, 8+j, 16+j, 24+j``; striding spreads every table over the whole DCT block so
  no table is made only of the low-frequency bits that near-identical images share;
* the 32-bit table word ``w_j`` holds those four bytes; its low ``k`` bits are the
  bucket key and the next ``FP_BITS`` bits a fingerprint kept inside each table
  entry, so most candidates are rejected without touching the hash rows;
* table 0 is the physical row order (rows sorted by key 0), tables 1..7 store
  ``row | fingerprint << 24`` entries sorted by their key.

Results are packed into one int64 per hit: ``row | dist << 24 | query << 33``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

N_TABLES = 8
FP_BITS = 8
ROW_BITS = 24
MAX_ROWS = (1 << ROW_BITS) - 1
ROW_MASK = (1 << ROW_BITS) - 1
DIST_SHIFT = 24
QUERY_SHIFT = 33
SCAN_WIDTH = 8  # entries examined branch-free per bucket step; arrays carry this padding


def _ctpop_typer(typingctx, x):  # type: ignore[no-untyped-def]
    # LLVM's ctpop lowers to the POPCNT instruction on the host CPU; a SWAR popcount
    # in Python-level numba code is ~3x slower in the verification loop.
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.ctpop(args[0])

    return sig, codegen


_ctpop: Any = intrinsic(_ctpop_typer)


def _prefetch_typer(typingctx, arr, idx):  # type: ignore[no-untyped-def]
    # Software prefetch (llvm.prefetch): a query touches thousands of random buckets;
    # issuing all their loads before scanning lets the memory system overlap the misses,
    # which made lookups ~1.7x faster than relying on out-of-order execution alone.
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        ptr = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [ptr, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


_prefetch: Any = intrinsic(_prefetch_typer)


@njit
def popcount64(x: np.uint64) -> np.int64:
    # Signed result on purpose: numba compares uint64 with int64 through float64.
    return np.int64(_ctpop(np.uint64(x)))


@njit
def table_word(h: np.ndarray, row: int, j: int) -> np.uint32:
    """Bytes j, 8+j, 16+j, 24+j of hash ``h[row]`` ((n, 4) uint64) as one 32-bit word.

    Scalar 2-D indexing only: taking ``h[row]`` as a view in a hot loop costs two
    atomic reference-count updates per access in numba.
    """
    s = np.uint64(8 * j)
    b = np.uint64(0xFF)
    w = (h[row, 0] >> s) & b
    w |= ((h[row, 1] >> s) & b) << np.uint64(8)
    w |= ((h[row, 2] >> s) & b) << np.uint64(16)
    w |= ((h[row, 3] >> s) & b) << np.uint64(24)
    return np.uint32(w)


@njit
def hamming(a: np.ndarray, ra: int, b: np.ndarray, rb: int) -> np.int64:
    """Hamming distance between rows ``a[ra]`` and ``b[rb]`` of (n, 4) uint64 arrays."""
    return (
        popcount64(a[ra, 0] ^ b[rb, 0])
        + popcount64(a[ra, 1] ^ b[rb, 1])
        + popcount64(a[ra, 2] ^ b[rb, 2])
        + popcount64(a[ra, 3] ^ b[rb, 3])
    )


@njit(cache=True, nogil=True)
def _counting_sort(keys: np.ndarray, nbuckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Stable counting sort: returns (order, offsets) with offsets of len nbuckets+1."""
    offsets = np.zeros(nbuckets + 1, dtype=np.uint32)
    for key in keys:
        offsets[key + 1] += 1
    for b in range(nbuckets):
        offsets[b + 1] += offsets[b]
    cursor = offsets[:-1].copy()
    order = np.empty(keys.shape[0], dtype=np.int64)
    for i in range(keys.shape[0]):
        key = keys[i]
        order[cursor[key]] = i
        cursor[key] += 1
    return order, offsets


@njit(cache=True, nogil=True)
def build_tables(h64: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Build all tables for an (n, 4) uint64 hash array.

    Returns ``(order, fp0, entries, offsets)``: ``order`` is the row permutation that
    sorts the segment by key 0 (apply it to hashes and ids); ``fp0`` (n + pad) uint8 is
    table 0's fingerprint per row, ``entries`` (7, n + pad) uint32 and ``offsets``
    (8, 2**k + 1) uint32 use the permuted row numbering.
    """
    n = h64.shape[0]
    nbuckets = 1 << k
    mask = np.uint32(nbuckets - 1)
    offsets = np.empty((N_TABLES, nbuckets + 1), dtype=np.uint32)
    keys = np.empty(n, dtype=np.uint32)
    for i in range(n):
        keys[i] = table_word(h64, i, 0) & mask
    order, offsets[0] = _counting_sort(keys, nbuckets)
    # SCAN_WIDTH entries of padding let bucket scans read past the last bucket.
    fp0 = np.zeros(n + SCAN_WIDTH, dtype=np.uint8)
    for p in range(n):
        fp0[p] = (table_word(h64, order[p], 0) >> np.uint32(k)) & np.uint32(0xFF)
    entries = np.zeros((N_TABLES - 1, n + SCAN_WIDTH), dtype=np.uint32)
    fps = np.empty(n, dtype=np.uint32)
    for j in range(1, N_TABLES):
        for p in range(n):
            w = table_word(h64, order[p], j)
            keys[p] = w & mask
            fps[p] = (w >> np.uint32(k)) & np.uint32(0xFF)
        by_key, offsets[j] = _counting_sort(keys, nbuckets)
        for pos in range(n):
            p = by_key[pos]
            entries[j - 1, pos] = np.uint32(p) | (fps[p] << np.uint32(ROW_BITS))
    return order, fp0, entries, offsets


@njit
def _is_dead(dead: np.ndarray, row: int) -> bool:
    if dead.shape[0] == 0:
        return False
    return (dead[row >> 3] >> (row & 7)) & 1 == 1


@njit
def _push(out: np.ndarray, cnt: int, value: np.int64) -> np.ndarray:
    # Results per query are unbounded (a cluster of duplicates can all match), so the
    # packed output grows by doubling instead of being sized up front.
    if cnt == out.shape[0]:
        bigger = np.empty(max(16, 2 * out.shape[0]), dtype=np.int64)
        bigger[:cnt] = out[:cnt]
        out = bigger
    out[cnt] = value
    return out


@njit
def _pack(row: int, dist: int | np.int64, qi: int) -> np.int64:
    return np.int64(row) | (np.int64(dist) << DIST_SHIFT) | (np.int64(qi) << QUERY_SHIFT)


@njit(cache=True, nogil=True)
def scan(
    h64: np.ndarray, nrows: int, dead: np.ndarray, queries: np.ndarray, radius: int
) -> np.ndarray:
    """Brute-force scan of the first ``nrows`` rows (delta buffer, tiny segments, huge r)."""
    out = np.empty(64, dtype=np.int64)
    cnt = 0
    for qi in range(queries.shape[0]):
        q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
        for row in range(nrows):
            d = (
                popcount64(h64[row, 0] ^ q0)
                + popcount64(h64[row, 1] ^ q1)
                + popcount64(h64[row, 2] ^ q2)
                + popcount64(h64[row, 3] ^ q3)
            )
            if d <= radius and not _is_dead(dead, row):
                out = _push(out, cnt, _pack(row, d, qi))
                cnt += 1
    return out[:cnt]


@njit
def _first_table_within(
    h64: np.ndarray, row: int, qwords: np.ndarray, thresholds: np.ndarray, upto: int, k: int
) -> bool:
    """True if some table i < upto already holds this row within its threshold.

    Each result is reported only by the first table whose substring is within its
    threshold, which de-duplicates without any per-query "seen" state.
    """
    submask = np.uint32((1 << (k + FP_BITS)) - 1)
    for i in range(upto):
        x = (table_word(h64, row, i) ^ qwords[i]) & submask
        if popcount64(np.uint64(x)) <= thresholds[i]:
            return True
    return False


@njit(cache=True, nogil=True)
def flip_masks(k: int, t: int) -> tuple[np.ndarray, np.ndarray]:
    """All k-bit masks with at most t bits set, ordered by popcount, and those popcounts.

    The masks for table j with threshold t_j are the prefix counting C(k, <= t_j).
    """
    total = 0
    c = 1
    for f in range(t + 1):
        total += c
        c = c * (k - f) // (f + 1)
    masks = np.empty(total, dtype=np.uint32)
    flips = np.empty(total, dtype=np.int64)
    combo = np.empty(max(t, 1), dtype=np.int64)
    n = 0
    for f in range(t + 1):
        for i in range(f):
            combo[i] = i
        while True:
            m = np.uint32(0)
            for i in range(f):
                m |= np.uint32(1) << np.uint32(combo[i])
            masks[n] = m
            flips[n] = f
            n += 1
            i = f - 1
            while i >= 0 and combo[i] == k - f + i:
                i -= 1
            if i < 0:
                break
            combo[i] += 1
            for r in range(i + 1, f):
                combo[r] = combo[r - 1] + 1
    return masks, flips


@njit
def _scan_fp0(fp0: np.ndarray, lo: int, hi: int, qfp: np.uint32, budget: int) -> np.int64:
    """Bitmask of positions lo..lo+7 (< hi) of table 0 whose fingerprint is within budget.

    Buckets average 2-8 entries; a fixed-width, branch-free check costs far less than
    a loop whose exit mispredicts on almost every bucket.
    """
    bits = np.int64(0)
    for u in range(SCAN_WIDTH):
        x = np.uint64(np.uint32(fp0[lo + u]) ^ qfp)
        bits |= np.int64((lo + u < hi) & (popcount64(x) <= budget)) << u
    return bits


@njit
def _scan_entries(
    entries: np.ndarray, t: int, lo: int, hi: int, qfp: np.uint32, budget: int
) -> np.int64:
    """Same as ``_scan_fp0`` for table t >= 1, whose fingerprint is the entry's top byte."""
    bits = np.int64(0)
    for u in range(SCAN_WIDTH):
        x = np.uint64((entries[t - 1, lo + u] >> np.uint32(ROW_BITS)) ^ qfp)
        bits |= np.int64((lo + u < hi) & (popcount64(x) <= budget)) << u
    return bits


@njit(cache=True, nogil=True)
def probe(
    h64: np.ndarray,
    fp0: np.ndarray,
    entries: np.ndarray,
    offsets: np.ndarray,
    k: int,
    dead: np.ndarray,
    queries: np.ndarray,
    radius: int,
    nprobes: np.ndarray,
    masks: np.ndarray,
    flips: np.ndarray,
    thresholds: np.ndarray,
) -> np.ndarray:
    """Multi-index lookup of every query against one segment (exact, see segment.py).

    ``masks[:nprobes[j]]`` are the key flips for table j (all masks with at most
    ``thresholds[j]`` bits). The work runs in passes over all tables (prefetch bucket
    bounds; read bounds and prefetch bucket heads; filter entries by fingerprint and
    prefetch surviving rows; verify) so the thousands of random memory accesses of one
    query are in flight together instead of one after another.
    """
    mask = np.uint32((1 << k) - 1)
    h_flat = h64.reshape(-1)
    e_flat = entries.reshape(-1)
    o_flat = offsets.reshape(-1)
    o_stride = offsets.shape[1]
    e_stride = entries.shape[1]
    n = h64.shape[0]
    out = np.empty(64, dtype=np.int64)
    cnt = 0
    qwords = np.empty(N_TABLES, dtype=np.uint32)
    total = 0
    for j in range(N_TABLES):
        total += nprobes[j]
    keys = np.empty(total, dtype=np.int64)
    lo = np.empty(total, dtype=np.int64)
    hi = np.empty(total, dtype=np.int64)
    cand = np.empty(256, dtype=np.int64)  # row << 3 | table of fingerprint survivors
    for qi in range(queries.shape[0]):
        if n == 0:
            break
        base = 0
        for j in range(N_TABLES):
            qwords[j] = table_word(queries, qi, j)
            qkey = qwords[j] & mask
            for i in range(nprobes[j]):
                key = np.int64(qkey ^ masks[i])
                keys[base + i] = key
                _prefetch(o_flat, j * o_stride + key)
            base += nprobes[j]
        base = 0
        for j in range(N_TABLES):
            for i in range(nprobes[j]):
                key = keys[base + i]
                a = np.int64(offsets[j, key])
                lo[base + i] = a
                hi[base + i] = np.int64(offsets[j, key + 1])
                if j == 0:
                    _prefetch(fp0, a)
                else:
                    _prefetch(e_flat, (j - 1) * e_stride + a)
            base += nprobes[j]
        ncand = 0
        base = 0
        for j in range(N_TABLES):
            t = thresholds[j]
            qfp = (qwords[j] >> np.uint32(k)) & np.uint32(0xFF)
            for i in range(nprobes[j]):
                budget = t - flips[i]  # fingerprint bits may still differ by this much
                for start in range(lo[base + i], hi[base + i], SCAN_WIDTH):
                    if j == 0:
                        bits = _scan_fp0(fp0, start, hi[base + i], qfp, budget)
                    else:
                        bits = _scan_entries(entries, j, start, hi[base + i], qfp, budget)
                    while bits != 0:
                        u = 0
                        while (bits >> u) & 1 == 0:
                            u += 1
                        bits &= bits - 1
                        if j == 0:
                            row = np.int64(start + u)
                        else:
                            row = np.int64(entries[j - 1, start + u] & np.uint32(ROW_MASK))
                        _prefetch(h_flat, 4 * row)
                        cand = _push(cand, ncand, (row << 3) | j)
                        ncand += 1
            base += nprobes[j]
        for c in range(ncand):
            row = cand[c] >> 3
            j = cand[c] & 7
            d = hamming(h64, row, queries, qi)
            if d > radius:
                continue
            if _first_table_within(h64, row, qwords, thresholds, j, k):
                continue
            if _is_dead(dead, row):
                continue
            out = _push(out, cnt, _pack(row, d, qi))
            cnt += 1
    return out[:cnt]
