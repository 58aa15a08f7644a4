"""Benchmark the PDQ match index against python-threatexchange's FAISS index and flat
brute force, on clustered (image-derived) and uniform PDQ hashes.

Quick:  .venv/bin/python benchmarks/bench_index.py --sizes 100000
Full:   .venv/bin/python benchmarks/bench_index.py --sizes 1000000 10000000 \
            --out benchmarks/out/index-full.json

All images are generated procedurally (gradients, shapes, noise); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
import pdqhash

from tipline.matching.index import PdqIndex

RADIUS = 31
OUT = Path(__file__).parent / "out"


# -- data -------------------------------------------------------------------------------


def _image(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A benign procedural image: gradient + a few shapes + a little noise."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    angle = rng.uniform(0, 2 * np.pi)
    img = np.cos(angle) * x + np.sin(angle) * y
    img = np.stack([img * rng.uniform(0.2, 1) + rng.uniform(0, 0.5) for _ in range(3)], axis=2)
    for _ in range(int(rng.integers(1, 5))):
        cx, cy, rad = rng.uniform(0, 1, 3) * [1, 1, 0.4]
        disk = ((x - cx) ** 2 + (y - cy) ** 2) < rad**2
        img[disk] = rng.uniform(0, 1, 3)
    img += rng.normal(0, rng.uniform(0, 0.08), img.shape)
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def _variant(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Re-encode-like edits: brightness/contrast, small crop, noise."""
    out = img.astype(np.float32) * rng.uniform(0.8, 1.2) + rng.uniform(-20, 20)
    c = int(rng.integers(0, 6))
    out = out[c : out.shape[0] - c, c : out.shape[1] - c]
    out += rng.normal(0, 4, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def _pdq(img: np.ndarray) -> np.ndarray:
    bits, _quality = pdqhash.compute(img)
    return np.packbits(bits.astype(np.uint8))


def image_seeds(n_images: int, variants: int, seed: int) -> np.ndarray:
    """PDQ hashes of generated images and their edited variants (cached on disk)."""
    cache = OUT / f"seeds-{n_images}-{variants}-{seed}.npy"
    if cache.exists():
        return np.load(cache)
    rng = np.random.default_rng(seed)
    hashes = []
    for _ in range(n_images):
        img = _image(rng)
        hashes.append(_pdq(img))
        hashes.extend(_pdq(_variant(rng, img)) for _ in range(variants))
    out = np.stack(hashes)
    OUT.mkdir(exist_ok=True)
    np.save(cache, out)
    return out


def flip_random_bits(rng: np.random.Generator, base: np.ndarray, max_bits: int) -> np.ndarray:
    """Flip 0..max_bits random bits (skewed to few) of each row."""
    out = np.empty_like(base)
    for a in range(0, base.shape[0], 1 << 20):
        chunk = base[a : a + (1 << 20)]
        counts = np.minimum(rng.geometric(1 / 6, size=chunk.shape[0]) - 1, max_bits)
        pos = rng.integers(0, 256, size=(chunk.shape[0], max_bits))
        take = np.arange(max_bits)[None, :] < counts[:, None]
        mask = np.zeros((chunk.shape[0], 256), dtype=bool)
        rows = np.repeat(np.arange(chunk.shape[0]), max_bits)[take.ravel()]
        mask[rows, pos[take]] = True
        out[a : a + chunk.shape[0]] = chunk ^ np.packbits(mask, axis=1)
    return out


def dataset(kind: str, n: int, seeds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if kind == "uniform":
        return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    # Clustered: 95% derived from image hashes by flipping a few bits, 5% uniform.
    n_uniform = n // 20
    derived = flip_random_bits(rng, seeds[rng.integers(0, seeds.shape[0], n - n_uniform)], 24)
    uniform = rng.integers(0, 256, size=(n_uniform, 32), dtype=np.uint8)
    out = np.concatenate([derived, uniform])
    rng.shuffle(out)
    return out


def queries(
    kind: str, data: np.ndarray, held_out: np.ndarray, nq: int, rng: np.random.Generator
) -> np.ndarray:
    """Half near-duplicates (0..31 flips of an indexed hash), half non-matching: unseen
    image hashes for the clustered set, fresh random hashes for the uniform one."""
    half = nq // 2
    near = data[rng.integers(0, data.shape[0], half)].copy()
    for i in range(half):
        bits = rng.choice(256, size=int(rng.integers(0, 32)), replace=False)
        for b in bits:
            near[i, b >> 3] ^= np.uint8(1 << (b & 7))
    if kind == "uniform":
        other = rng.integers(0, 256, size=(nq - half, 32), dtype=np.uint8)
    else:
        other = held_out[rng.integers(0, held_out.shape[0], nq - half)]
    out = np.concatenate([near, other])
    rng.shuffle(out)
    return out


# -- measurement helpers ------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def latencies(fn: Callable[[np.ndarray], object], qs: np.ndarray) -> dict[str, float]:
    lat = []
    for q in qs:
        t = time.perf_counter()
        fn(q)
        lat.append(time.perf_counter() - t)
    ms = np.array(lat) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}


def throughput(
    fn: Callable[[np.ndarray], list[set[int]]], qs: np.ndarray
) -> tuple[float, list[set[int]]]:
    t = time.perf_counter()
    res = fn(qs)
    return qs.shape[0] / (time.perf_counter() - t), res


def recall(got: list[set[int]], truth: list[set[int]]) -> float:
    want = sum(len(t) for t in truth)
    found = sum(len(g & t) for g, t in zip(got, truth, strict=True))
    extra = sum(len(g - t) for g, t in zip(got, truth, strict=True))
    assert extra == 0, f"{extra} results beyond the radius"
    return found / want if want else 1.0


def faiss_sets(lims: np.ndarray, ids: np.ndarray) -> list[set[int]]:
    return [set(ids[lims[i] : lims[i + 1]].tolist()) for i in range(len(lims) - 1)]


# -- systems --------------------------------------------------------------------------------


def bench_flat(data: np.ndarray, ids: np.ndarray, qs: np.ndarray, single: np.ndarray) -> dict:
    rss0 = rss_bytes()
    t = time.perf_counter()
    index = faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(256))
    index.add_with_ids(data, ids)
    build = time.perf_counter() - t
    mem = rss_bytes() - rss0

    def batch(q: np.ndarray) -> list[set[int]]:
        lims, _d, found = index.range_search(q, RADIUS + 1)  # strictly below: 32 means <= 31
        return faiss_sets(lims, found)

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    qps, truth = throughput(batch, qs)
    faiss.omp_set_num_threads(1)
    lat = latencies(lambda q: index.range_search(q[None, :], RADIUS + 1), single)
    index.reset()  # free the codes now rather than at function exit
    gc.collect()
    return {"build_s": build, "bytes_per_hash": mem / len(ids), "batch_qps": qps, **lat,
            "recall": 1.0, "_truth": truth}  # fmt: skip


def bench_pytx(data: np.ndarray, ids: np.ndarray, qs: np.ndarray, single: np.ndarray,
               truth: list[set[int]]) -> dict:  # fmt: skip
    """pytx's PDQMultiHashIndex configuration: IndexBinaryIDMap2(IndexBinaryMultiHash(
    256, nhash=16, b=16)) with nflip = threshold // nhash, driven through FAISS directly
    (skipping pytx's hex-string conversions, which only makes pytx look faster)."""
    from threatexchange.signal_type.pdq.pdq_faiss_matcher import PDQMultiHashIndex

    rss0 = rss_bytes()
    t = time.perf_counter()
    wrapper = PDQMultiHashIndex()
    index = wrapper.faiss_index
    index.add_with_ids(data, ids)
    wrapper.mih_index.nflip = RADIUS // wrapper.mih_index.nhash
    build = time.perf_counter() - t
    mem = rss_bytes() - rss0

    def batch(q: np.ndarray) -> list[set[int]]:
        lims, _d, found = index.range_search(q, RADIUS + 1)
        return faiss_sets(lims, found)

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    qps, got = throughput(batch, qs)
    faiss.omp_set_num_threads(1)
    lat = latencies(lambda q: index.range_search(q[None, :], RADIUS + 1), single)
    wrapper.dispose()
    gc.collect()
    return {"build_s": build, "bytes_per_hash": mem / len(ids), "batch_qps": qps, **lat,
            "recall": recall(got, truth)}  # fmt: skip


def bench_ours(data: np.ndarray, ids: np.ndarray, qs: np.ndarray, single: np.ndarray,
               truth: list[set[int]], rng: np.random.Generator) -> dict:  # fmt: skip
    t = time.perf_counter()
    idx = PdqIndex()
    idx.add(ids, data)
    build = time.perf_counter() - t
    nbytes = idx.nbytes

    def batch(q: np.ndarray) -> list[set[int]]:
        return [{i for i, _ in hits} for hits in idx.query_batch(q, RADIUS)]

    idx.query_batch(qs[:8])  # warm up (JIT cache load)
    qps, got = throughput(batch, qs)
    lat = latencies(lambda q: idx.query(q, RADIUS), single)

    # Freshness: add() of a new hash -> first query that returns it.
    fresh = []
    for i in range(20):
        new = rng.integers(0, 256, size=(1, 32), dtype=np.uint8)
        new_id = 10**15 + i
        t = time.perf_counter()
        idx.add(np.array([new_id]), new)
        while (new_id, 0) not in idx.query(new[0], 0):
            pass
        fresh.append(time.perf_counter() - t)

    tmp = Path(tempfile.mkdtemp(prefix="pdq-bench-"))
    try:
        saved = PdqIndex(tmp)
        saved._state = idx._state
        t = time.perf_counter()
        saved.save()
        save_s = time.perf_counter() - t
        saved._state = idx._state = type(idx._state)()  # drop the in-memory copy
        gc.collect()
        t = time.perf_counter()
        mapped = PdqIndex.load(tmp)
        load_mmap = time.perf_counter() - t
        mapped.query(single[0])
        del mapped
        gc.collect()
        t = time.perf_counter()
        loaded = PdqIndex.load(tmp, mmap=False)
        load_ram = time.perf_counter() - t
        del loaded
    finally:
        shutil.rmtree(tmp)
    gc.collect()
    return {"build_s": build, "bytes_per_hash": nbytes / len(ids), "batch_qps": qps, **lat,
            "recall": recall(got, truth), "freshness_ms_max": max(fresh) * 1e3,
            "save_s": save_s, "load_s_mmap": load_mmap, "load_s_ram": load_ram}  # fmt: skip


# -- driver ----------------------------------------------------------------------------------


def run(kind: str, n: int, args: argparse.Namespace, seeds: np.ndarray,
        held_out: np.ndarray) -> dict:  # fmt: skip
    rng = np.random.default_rng(args.seed + n)
    t = time.perf_counter()
    data = dataset(kind, n, seeds, rng)
    ids = rng.choice(np.int64(1) << 40, size=n, replace=False).astype(np.int64)
    qs = queries(kind, data, held_out, args.queries, rng)
    single = qs[: args.single]
    print(f"[{kind} n={n}] data in {time.perf_counter() - t:.1f}s", flush=True)
    flat = bench_flat(data, ids, qs, single)
    truth = flat.pop("_truth")
    hits = sum(len(s) for s in truth)
    print(f"  flat  {fmt(flat)}", flush=True)
    ours = bench_ours(data, ids, qs, single, truth, rng)
    print(f"  ours  {fmt(ours)}", flush=True)
    pytx = bench_pytx(data, ids, qs, single, truth) if not args.skip_pytx else {}
    print(f"  pytx  {fmt(pytx)}", flush=True)
    return {"dataset": kind, "n": n, "queries": len(qs), "hits": hits, "flat": flat,
            "pytx": pytx, "ours": ours}  # fmt: skip


def fmt(r: dict) -> str:
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    p.add_argument("--datasets", nargs="+", default=["clustered", "uniform"])
    p.add_argument("--queries", type=int, default=2000, help="batch queries")
    p.add_argument("--single", type=int, default=300, help="single-query latency samples")
    p.add_argument("--images", type=int, default=3000, help="generated images for seeds")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-pytx", action="store_true")
    p.add_argument("--out", type=Path, default=OUT / "index.json")
    args = p.parse_args()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    t = time.perf_counter()
    all_seeds = image_seeds(args.images, variants=3, seed=args.seed)
    # Hold out the last 10% of images: their hashes are realistic non-matching queries.
    cut = (all_seeds.shape[0] * 9 // 10) // 4 * 4
    seeds, held_out = all_seeds[:cut], all_seeds[cut:]
    print(f"{all_seeds.shape[0]} image hashes in {time.perf_counter() - t:.1f}s", flush=True)
    results = [run(kind, n, args, seeds, held_out) for n in args.sizes for kind in args.datasets]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"command": " ".join(sys.argv), "cpus": os.cpu_count(), "radius": RADIUS}
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
