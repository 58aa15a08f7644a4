"""PDQ throughput: tipline's fast path vs python-threatexchange, same files, same run.

Generates N benign photo-like 1024x768 JPEGs (quality 90) in memory, then hashes all of them
with each method in one process (= one core). Throughput is measured in CPU time of this
process (``time.process_time``), so other load on the machine inflates it less than wall
time would; wall-clock figures are reported too. Each method runs twice, interleaved, and
the faster pass counts. Drift is the Hamming distance of fast vs strict (strict is
bit-identical to threatexchange), over images of quality >= 50.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_hashing.py --n 200
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from threatexchange.signal_type.pdq.signal import PdqSignal

from tipline.hashing.pdq import pdq_distance, pdq_hash
from tipline.synthetic import generate, to_jpeg


def _time(fn: Callable[[bytes], object], files: list[bytes]) -> tuple[float, float]:
    """(cpu_seconds, wall_seconds) to run ``fn`` over all files."""
    cpu, wall = time.process_time(), time.perf_counter()
    for data in files:
        fn(data)
    return time.process_time() - cpu, time.perf_counter() - wall


def run(n_images: int = 200, size: tuple[int, int] = (1024, 768)) -> dict[str, float]:
    files = [to_jpeg(generate(seed, size), quality=90) for seed in range(n_images)]
    methods: dict[str, Callable[[bytes], object]] = {
        "threatexchange": PdqSignal.hash_from_bytes,
        "tipline_fast": lambda d: pdq_hash(d, fast=True),
        "tipline_strict": lambda d: pdq_hash(d, fast=False),
    }
    best: dict[str, tuple[float, float]] = {}
    for _ in range(2):
        for name, fn in methods.items():
            cpu, wall = _time(fn, files)
            prev = best.get(name)
            best[name] = (min(cpu, prev[0]), min(wall, prev[1])) if prev else (cpu, wall)
    drifts = []
    for data in files:
        strict = pdq_hash(data, fast=False)
        if not strict.low_quality:
            drifts.append(pdq_distance(pdq_hash(data).hex, strict.hex))
    res: dict[str, float] = {"n_images": n_images, "width": size[0], "height": size[1]}
    for name, (cpu, wall) in best.items():
        res[f"{name}_per_s_cpu"] = n_images / cpu
        res[f"{name}_per_s_wall"] = n_images / wall
    res["ratio_fast_vs_threatexchange_cpu"] = (
        res["tipline_fast_per_s_cpu"] / res["threatexchange_per_s_cpu"]
    )
    res["ratio_fast_vs_threatexchange_wall"] = (
        res["tipline_fast_per_s_wall"] / res["threatexchange_per_s_wall"]
    )
    res["drift_images"] = len(drifts)
    res["drift_mean_bits"] = float(np.mean(drifts)) if drifts else float("nan")
    res["drift_max_bits"] = float(max(drifts)) if drifts else float("nan")
    res["drift_p95_bits"] = float(np.percentile(drifts, 95)) if drifts else float("nan")
    return res


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="number of generated JPEGs")
    result = run(parser.parse_args().n)
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value:.2f}")
