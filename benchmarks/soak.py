"""Soak: minutes of sustained intake with the pipeline (hashing, matching, clustering, linking,
routing, delivery queueing) running in the same server, on SQLite's embedded mode; the server's
resident memory is sampled all along and must stay flat once warm.

    .venv/bin/python benchmarks/soak.py --minutes 5

Every report has fresh images (new hashes: the match index, clusters and cases keep growing,
as in production). Prints a sample every `--every` seconds, then the median resident memory of
the first and the last third of the run after a warm-up minute, and their ratio (recorded in
docs/security.md). Traffic goes to 127.0.0.1 only; media are generated noise.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from intake import (
    BIN,
    PASSWORD,
    REPORT_DOC,
    USERNAME,
    Reporter,
    benign_png,
    free_port,
    stop,
    wait_up,
)
from tipline.audit.service import Actor
from tipline.db import Database
from tipline.ncmec.schema import load_schema, to_xml_bytes
from tipline.reporters.schemas import ReporterCreate
from tipline.reporters.service import create_reporter


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def send(port: int, stop_at: float, sent: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    report_xml = to_xml_bytes(load_schema().from_json(REPORT_DOC, "report"))
    client = Reporter(port)
    while time.monotonic() < stop_at:
        client.report(report_xml, (benign_png(rng), benign_png(rng)))
        sent.append(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--every", type=float, default=15.0, help="seconds between samples")
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds not judged")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        env = {**os.environ, "TIPLINE_ENVIRONMENT": "test",
               "TIPLINE_DATA_DIR": str(workdir / "var"),
               "TIPLINE_EVIDENCE_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
               "TIPLINE_SECRET_KEY": secrets.token_urlsafe(32),
               "TIPLINE_RUN_PIPELINE_IN_SERVER": "true"}
        subprocess.run([str(BIN / "tipline"), "db", "upgrade"], env=env, check=True,
                       capture_output=True, cwd=workdir)
        db = Database(f"sqlite:///{workdir / 'var' / 'tipline.db'}")
        with db.transaction() as session:
            create_reporter(session, ReporterCreate(name="Soak Platform", username=USERNAME,
                                                    password=PASSWORD), Actor("soak"))
        db.dispose()
        port, log = free_port(), workdir / "server.log"
        server = subprocess.Popen([str(BIN / "tipline"), "serve", "--port", str(port)],
                                  env=env, cwd=workdir, stdout=log.open("ab"),
                                  stderr=subprocess.STDOUT)
        try:
            wait_up(port, server, log)
            samples = soak(port, server.pid, args)
        finally:
            stop(server)
    judged = [(t, m) for t, m, _ in samples if t >= args.warmup]
    third = max(1, len(judged) // 3)
    first = statistics.median(m for _, m in judged[:third])
    last = statistics.median(m for _, m in judged[-third:])
    print(f"resident memory after warm-up: first third {first:.0f} MiB, last third "
          f"{last:.0f} MiB, ratio {last / first:.2f}; {samples[-1][2]} reports")


def soak(port: int, pid: int, args: argparse.Namespace) -> list[tuple[float, float, int]]:
    started = time.monotonic()
    stop_at = started + args.minutes * 60
    sent: list[int] = []
    threads = [threading.Thread(target=send, args=(port, stop_at, sent, n), daemon=True)
               for n in range(args.clients)]
    for thread in threads:
        thread.start()
    samples = []
    while time.monotonic() < stop_at:
        time.sleep(args.every)
        at = time.monotonic() - started
        samples.append((at, rss_mib(pid), len(sent)))
        print(f"{at:6.0f} s  {samples[-1][1]:7.1f} MiB  {len(sent):6d} reports", flush=True)
    for thread in threads:
        thread.join(120)
    return samples


if __name__ == "__main__":
    main()
