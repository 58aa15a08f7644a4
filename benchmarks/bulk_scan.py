"""Bulk scan throughput: `tipline scan`'s engine on Dask (1 and 2 worker processes) against a
sequential python-threatexchange loop over the same generated files, in the same run.

The threatexchange loop hashes each file (`PdqSignal.hash_from_bytes`) and looks it up in its
PDQ index (`PdqSignal.get_index_cls()`) of the same bank hashes. tipline computes more per
file (MD5/SHA-1/SHA-256, PDQ with 8 rotations/mirrors, border stripping, the harder copies'
hashes) and looks everything up in its own index through the database, as `tipline scan`
does. Cluster start-up is timed apart from the scan.

    PYTHONPATH=src .venv/bin/python benchmarks/bulk_scan.py --files 1000
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from pathlib import Path

from threatexchange.signal_type.pdq.signal import PdqSignal

from tipline.audit.service import Actor
from tipline.banks import service
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.db import Database
from tipline.matching.bulk import FILES_PER_TASK, bulk_scan, dask_client
from tipline.matching.live import LiveIndex
from tipline.matching.scan import scan_many
from tipline.migrate import upgrade
from tipline.synthetic import generate, to_jpeg

BANK = 10_000


def prepare(root: Path, files: int) -> tuple[str, list[Path], list[str]]:
    url = f"sqlite:///{root / 'tipline.db'}"
    db = Database(url)
    upgrade(db)
    hashes = [secrets.token_hex(32) for _ in range(BANK)]
    with db.transaction() as s:
        bank = service.create_bank(s, BankCreate(name="bank"), Actor("bench"))
        service.add_records(s, bank, [HashRecord("pdq", h, contributor="x") for h in hashes],
                            Actor("bench"))
    db.dispose()
    folder = root / "archive"
    folder.mkdir()
    paths = []
    for i in range(files):
        path = folder / f"{i:05d}.jpg"
        path.write_bytes(to_jpeg(generate(i, (640, 480)), quality=85))
        paths.append(path)
    return url, paths, hashes


def threatexchange_loop(paths: list[Path], hashes: list[str]) -> tuple[float, float]:
    """(images/s wall, CPU ms per image)."""
    index = PdqSignal.get_index_cls().build([(h, i) for i, h in enumerate(hashes)])
    t0, c0 = time.perf_counter(), time.process_time()
    for path in paths:
        found = PdqSignal.hash_from_bytes(path.read_bytes())
        if found:
            index.query(found)
    return (len(paths) / (time.perf_counter() - t0),
            1000 * (time.process_time() - c0) / len(paths))


def tipline_cpu(url: str, paths: list[Path], root: Path) -> float:
    """CPU ms per image of one worker's task (`scan_many`), in this process."""
    db = Database(url)
    index = LiveIndex(db, None)
    index.open()
    scan_many(db, index, paths[:4], root)  # compile and warm up outside the timing
    c0 = time.process_time()
    for i in range(0, len(paths), FILES_PER_TASK):
        scan_many(db, index, paths[i:i + FILES_PER_TASK], root)
    db.dispose()
    return 1000 * (time.process_time() - c0) / len(paths)


def tipline_scan(url: str, folder: Path, root: Path, workers: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    with dask_client(None, workers, processes=True) as client:
        started = time.perf_counter() - t0
        t1 = time.perf_counter()
        rows = bulk_scan(url, folder, root / f"scan-{workers}.jsonl", client)
        rate = len(rows) / (time.perf_counter() - t1)
    return rate, started


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--dask", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url, paths, hashes = prepare(root, args.files)
        baseline, baseline_cpu = threatexchange_loop(paths, hashes)
        ours_cpu = tipline_cpu(url, paths, root / "archive")
        print(f"files: {args.files}, bank: {BANK} PDQ hashes")
        print(f"python-threatexchange, sequential: {baseline:.1f} images/s, "
              f"{baseline_cpu:.1f} CPU ms/image")
        print(f"tipline, one worker's task in process: {ours_cpu:.1f} CPU ms/image "
              f"({baseline_cpu / ours_cpu:.2f}x threatexchange per CPU second)")
        for workers in (1, 2) if args.dask else ():
            rate, started = tipline_scan(url, root / "archive", root, workers)
            print(f"tipline scan, {workers} Dask worker(s): {rate:.1f} images/s "
                  f"({rate / baseline:.2f}x threatexchange; cluster start {started:.1f} s)")
