"""Matching benchmarks, in one run: hashing speed, lookup speed, freshness, robustness.

Each part compares tipline with a baseline in the same run (python-threatexchange's PDQ hashing;
pytx's FAISS `IndexBinaryMultiHash` and a FAISS brute-force scan) and prints ratios:

    .venv/bin/python benchmarks/matching.py                  # quick: 100k-hash index
    .venv/bin/python benchmarks/matching.py --sizes 1000000 10000000 --images 200

The parts can be run alone: bench_hashing.py, bench_index.py, freshness.py, robustness.py.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def _run(script: str, *args: str) -> None:
    print(f"\n== {script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100000"], help="index sizes")
    parser.add_argument("--images", default="200", help="JPEGs for the hashing benchmark")
    parser.add_argument("--robustness", default="100", help="images for the robustness run")
    args = parser.parse_args()
    _run("bench_hashing.py", "--n", args.images)
    _run("bench_index.py", "--sizes", *args.sizes)
    _run("freshness.py")
    _run("robustness.py", "--n", args.robustness)


if __name__ == "__main__":
    main()
