"""Retroactive matching: new bank entries against every stored file hash, incrementally.

The retroactive job (`tipline.retro`) keeps the stored files' PDQ hashes in a multi-index
(`FileHashIndex`, a `PdqIndex`) and looks the new bank entries up in it, so its cost is the
import's size times one lookup. The baseline is the brute-force scan the job avoids: every new
entry against every stored hash (numpy, both cores' worth of vectorised popcounts), timed on a
sample of the entries in the same run and scaled linearly (it is exactly linear).

Stored hashes are uniform random with `--planted` near copies (<= 24 bits flipped) of new
entries, so recall is checked against the brute force on the sampled entries. Only the index
part is measured: reading the candidates' rows and matching them again costs per match found.

    PYTHONPATH=src .venv/bin/python benchmarks/retro.py --stored 1000000 --new 10000
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from tipline.matching.index import PdqIndex

RADIUS = 31


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def near_copies(rng: np.random.Generator, hashes: np.ndarray, bits: int) -> np.ndarray:
    out = np.unpackbits(hashes, axis=1)
    for row in out:
        flip = rng.choice(256, size=int(rng.integers(0, bits + 1)), replace=False)
        row[flip] ^= 1
    packed: np.ndarray = np.packbits(out, axis=1)
    return packed


def brute(stored: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    s64 = stored.view(np.uint64)
    found = []
    for q in queries.view(np.uint64):
        d = np.bitwise_count(s64 ^ q).sum(axis=1, dtype=np.int32)
        found.append(set(np.nonzero(d <= RADIUS)[0].tolist()))
    return found


def run(n_stored: int, n_new: int, planted: int, sample: int) -> dict[str, float]:
    rng = np.random.default_rng(12)
    new = rng.integers(0, 256, size=(n_new, 32), dtype=np.uint8)
    stored = rng.integers(0, 256, size=(n_stored, 32), dtype=np.uint8)
    targets = rng.choice(n_new, size=planted, replace=False)
    stored[:planted] = near_copies(rng, new[targets], 24)
    warm = PdqIndex()  # compile the numba kernels outside the timings
    warm.add(np.arange(20_000, dtype=np.int64), stored[:20_000])
    warm.wait_for_merges()
    warm.query_batch(new[:64], RADIUS)
    base = rss_mb()
    t0 = time.perf_counter()
    index = PdqIndex()
    index.add(np.arange(n_stored, dtype=np.int64), stored)
    index.wait_for_merges()
    build = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    hits = index.query_batch(new, RADIUS)
    lookup, lookup_cpu = time.perf_counter() - t0, time.process_time() - c0
    found = sum(len(h) for h in hits)
    # The same run's baseline: brute force on `sample` of the new entries (first the planted).
    picked = np.concatenate([targets[: sample // 2],
                             rng.choice(n_new, size=sample - sample // 2, replace=False)])
    t0, c0 = time.perf_counter(), time.process_time()
    expected = brute(stored, new[picked])
    brute_s = (time.perf_counter() - t0) * n_new / sample
    brute_cpu = (time.process_time() - c0) * n_new / sample
    missed = sum(len(e - {i for i, _ in hits[p]}) for p, e in zip(picked, expected, strict=True))
    return {"stored": n_stored, "new": n_new, "build_s": build, "lookup_s": lookup,
            "lookup_cpu_s": lookup_cpu, "brute_s_scaled": brute_s, "brute_cpu_s_scaled": brute_cpu,
            "speedup_cpu": brute_cpu / lookup_cpu, "matches": found,
            "planted": planted, "missed_in_sample": missed,
            "index_mb": index.nbytes / 2**20, "rss_growth_mb": rss_mb() - base}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--planted", type=int, default=1_000)
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()
    res = run(args.stored, args.new, args.planted, args.sample)
    for key, value in res.items():
        print(f"{key}: {value:,.3f}" if isinstance(value, float) else f"{key}: {value:,}")
