"""Intake throughput: complete reports per second through the CyberTipline-compatible API.

A complete report is six HTTP requests: submit, two uploads of small benign generated images
(17-35 KB), two fileinfo, finish. Concurrent clients send them over loopback to uvicorn server
processes started here, for tipline and for a baseline (`baseline_app.py`: each request's raw
body stored with one INSERT and commit) with the same uvicorn settings and process count, on
PostgreSQL and on SQLite. A report counts when its `finish` is acknowledged (after commit).

tipline is measured twice: `tipline` is intake alone (the pipeline is not running, so
finished reports queue up), the like-for-like comparison with the baseline, which processes
nothing; `tipline+pipeline` is intake with the pipeline working through the queue at the same
time on the same two cores, as deployed:

* PostgreSQL: `--workers` server processes (default 2), plus `--pipeline-workers` separate
  `tipline worker` processes (at their default niceness) in `tipline+pipeline`.
* SQLite: one server process (the embedded mode); the pipeline runs inside it in
  `tipline+pipeline`.

Baseline and tipline runs alternate over `--rounds` rounds, each on a fresh database: this
machine's speed drifts by tens of percent over minutes, so each round's ratio compares runs
made back to back, and the table gives medians.

    .venv/bin/python benchmarks/intake.py                  # both databases, defaults
    .venv/bin/python benchmarks/intake.py --reports 200    # quick
    .venv/bin/python benchmarks/intake.py --update-docs    # rewrite "## Intake" in docs

Traffic goes to 127.0.0.1 only; all media are generated noise.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tipline.audit.service import Actor
from tipline.client import file_details_xml
from tipline.db import Database
from tipline.ncmec.schema import load_schema, to_xml_bytes
from tipline.reporters.schemas import ReporterCreate
from tipline.reporters.service import create_reporter

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USERNAME, PASSWORD = "bench-platform", "benchmark-password-long-enough"
PG_DEFAULT = os.environ.get("TIPLINE_TEST_POSTGRES_URL",
                            "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KINDS = ("baseline", "tipline", "tipline+pipeline")
UVICORN = ["--host", "127.0.0.1", "--http", "httptools", "--loop", "uvloop",
           "--no-access-log", "--log-level", "warning"]

REPORT_DOC = {
    "incidentSummary": {
        "incidentType": "Child Pornography (possession, manufacture, and distribution)",
        "platform": "ExampleChat",
        "incidentDateTime": "2026-11-20T10:00:00Z",
    },
    "internetDetails": [{"webPageIncident": {"url": ["https://files.example.test/a/1"]}}],
    "reporter": {"reportingPerson": {"firstName": "Trust", "lastName": "Safety",
                                     "email": ["safety@example.test"]}},
    "personOrUserReported": [{
        "espIdentifier": "user-1001", "espService": "ExampleChat", "screenName": "shadow_fox",
        "ipCaptureEvent": [{"ipAddress": "198.51.100.23", "eventName": "Upload",
                            "dateTime": "2026-11-20T09:58:00Z"}],
    }],
}


def benign_png(rng: np.random.Generator) -> bytes:
    """Smooth gradients plus noise: incompressible enough to land between 20 and 50 KB."""
    side = int(rng.integers(84, 120))
    y, x = np.mgrid[0:side, 0:side]
    base = np.stack([x * 2, y * 2, (x + y)], axis=-1) % 256
    pixels = (base + rng.integers(0, 64, (side, side, 3))).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="PNG")
    return out.getvalue()


def multipart(report_id: int, name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n{report_id}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: image/png\r\n\r\n").encode() + content + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


_CODE = re.compile(rb"<responseCode>(\d+)</responseCode>")
_REPORT = re.compile(rb"<reportId>(\d+)</reportId>")
_FILE = re.compile(rb"<fileId>([0-9a-f]+)</fileId>")


class Reporter:
    """One keep-alive connection sending complete reports, as an integration would. The
    standard library client keeps the load generator's own CPU cost small on a small machine."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        self.auth = f"Basic {token}"

    def post(self, path: str, body: bytes, content_type: str) -> bytes:
        self.conn.request("POST", f"/ispws/{path}", body, {
            "Authorization": self.auth, "Content-Type": content_type})
        response = self.conn.getresponse()
        payload = response.read()
        code = _CODE.search(payload)
        if response.status != 200 or code is None or code.group(1) != b"0":
            raise RuntimeError(f"{path}: HTTP {response.status} {payload[:300]!r}")
        return payload

    def report(self, report_xml: bytes, images: tuple[bytes, bytes]) -> float:
        started = time.perf_counter()
        found = _REPORT.search(self.post("submit", report_xml, "text/xml; charset=utf-8"))
        assert found is not None
        report_id = int(found.group(1))
        for i, image in enumerate(images):
            body, content_type = multipart(report_id, f"image-{i}.png", image)
            file_id = _FILE.search(self.post("upload", body, content_type))
            assert file_id is not None
            details = file_details_xml(report_id, file_id.group(1).decode(),
                                       {"originalFileName": f"image-{i}.png"})
            self.post("fileinfo", details, "text/xml; charset=utf-8")
        self.post("finish", f"id={report_id}".encode(), "application/x-www-form-urlencoded")
        return time.perf_counter() - started


def drive(port: int, reports: int, concurrency: int, report_xml: bytes,
          images: list[tuple[bytes, bytes]]) -> tuple[float, list[float]]:
    """Send `reports` complete reports with `concurrency` in flight; wall time and latencies."""
    local = threading.local()
    counter = iter(range(reports))
    lock = threading.Lock()
    latencies: list[float] = []

    def work() -> None:
        client: Reporter = getattr(local, "client", None) or Reporter(port)
        local.client = client
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            elapsed = client.report(report_xml, images[n % len(images)])
            with lock:
                latencies.append(elapsed)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(work) for _ in range(concurrency)]:
            future.result()
    return time.perf_counter() - started, latencies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_up(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Result:
    """One run of one server kind (its database and kind are in the `Measured` it joins)."""

    reports: int
    seconds: float
    latencies: list[float]
    note: str = ""


@dataclass
class Measured:
    """One server kind on one database over all rounds: the median round's rate and every
    round's latencies."""

    database: str
    server: str
    processes: int
    rounds: list[Result]

    @property
    def rates(self) -> list[float]:
        return [r.reports / r.seconds for r in self.rounds]

    @property
    def rate(self) -> float:
        return float(np.median(self.rates))

    @property
    def reports(self) -> int:
        return sum(r.reports for r in self.rounds)

    @property
    def note(self) -> str:
        return self.rounds[-1].note

    @property
    def latencies(self) -> list[float]:
        return [x for r in self.rounds for x in r.latencies]


def fresh_postgres(admin_url: str, name: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def server_processes(database: str, args: argparse.Namespace) -> int:
    return 1 if database == "sqlite" else int(args.workers)  # SQLite: the embedded mode


def run_one(kind: str, database: str, url: str, workdir: Path, args: argparse.Namespace,
            report_xml: bytes, images: list[tuple[bytes, bytes]]) -> Result:
    processes = server_processes(database, args)
    port = free_port()
    log = workdir / f"{kind}-{database}.log"
    env = {**os.environ, "TIPLINE_ENVIRONMENT": "test", "TIPLINE_DATA_DIR": str(workdir / "var"),
           "TIPLINE_DATABASE_URL": url, "BASELINE_DATABASE_URL": url,
           "TIPLINE_EVIDENCE_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "TIPLINE_SECRET_KEY": secrets.token_urlsafe(32)}
    pipeline: list[subprocess.Popen[bytes]] = []
    if kind.startswith("tipline"):
        subprocess.run([str(BIN / "tipline"), "db", "upgrade"], env=env, check=True,
                       capture_output=True)
        db = Database(url)
        with db.transaction() as session:
            create_reporter(session, ReporterCreate(name="Benchmark Platform", username=USERNAME,
                                                    password=PASSWORD), Actor("benchmark"))
        db.dispose()
        app = ["tipline.app:create_app", "--factory"]
        with_pipeline = kind == "tipline+pipeline"
        env["TIPLINE_RUN_PIPELINE_IN_SERVER"] = str(with_pipeline and database == "sqlite")
        if with_pipeline and database != "sqlite":
            pipeline = [subprocess.Popen([str(BIN / "tipline"), "worker"], env=env,
                                         stdout=subprocess.DEVNULL, stderr=log.open("ab"))
                        for _ in range(args.pipeline_workers)]
    else:
        app = ["--app-dir", str(ROOT / "benchmarks"), "baseline_app:create_app", "--factory"]
    command = [str(BIN / "uvicorn"), *app, *UVICORN, "--port", str(port),
               "--workers", str(processes)]
    server = subprocess.Popen(command, env=env, cwd=workdir, stdout=log.open("ab"),
                              stderr=subprocess.STDOUT)
    try:
        wait_up(port, server, log)
        # Warm-up: every server process verifies the password once (scrypt) and warms caches.
        drive(port, args.concurrency * 2, args.concurrency, report_xml, images)
        seconds, latencies = drive(port, args.reports, args.concurrency, report_xml, images)
        note = ""
        if kind == "tipline+pipeline" and args.drain_seconds > 0:
            note = drain_note(url, time.perf_counter(), args.drain_seconds)
        return Result(args.reports, seconds, latencies, note)
    finally:
        stop(server)
        for proc in pipeline:
            stop(proc)


def drain_note(url: str, intake_end: float, limit: float) -> str:
    """How long after the last acknowledgement the pipeline finished every report."""
    engine = create_engine(url)
    try:
        while True:
            with engine.connect() as conn:
                waiting = conn.execute(text(
                    "SELECT count(*) FROM pipeline_jobs WHERE status = 'queued'")).scalar_one()
            if waiting == 0 or time.perf_counter() - intake_end > limit:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    lag = time.perf_counter() - intake_end
    return f"pipeline drained {lag:.1f} s after intake" if waiting == 0 else \
        f"{waiting} reports still queued {limit:.0f} s after intake"


def percentile(latencies: list[float], q: float) -> float:
    return float(np.percentile(np.array(latencies), q)) * 1000


def round_ratios(results: list[Measured], database: str, kind: str) -> list[float]:
    """tipline / baseline of each round: the two ran back to back, so machine drift between
    rounds cancels out of these."""
    by_kind = {r.server: r.rates for r in results if r.database == database}
    if "baseline" not in by_kind or kind not in by_kind:
        return []
    return [t / b for t, b in zip(by_kind[kind], by_kind["baseline"], strict=True)]


def table(results: list[Measured], concurrency: int) -> str:
    lines = ["| database | server | processes | reports | reports/s (median of rounds) | "
             "rounds | p50 ms | p99 ms | vs baseline (median, range) |",
             "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for r in results:
        ratios = round_ratios(results, r.database, r.server) if r.server != "baseline" else []
        ratio = (f"{np.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
                 if ratios else "")
        rounds = ", ".join(f"{x:.0f}" for x in r.rates)
        lines.append(f"| {r.database} | {r.server} | {r.processes} | {r.reports} | "
                     f"{r.rate:.0f} | {rounds} | {percentile(r.latencies, 50):.1f} | "
                     f"{percentile(r.latencies, 99):.1f} | {ratio} |")
    notes = [f"{r.database}: {r.note}" for r in results if r.note]
    return "\n".join(lines) + (f"\n\n{concurrency} reports in flight; " + "; ".join(notes)
                               if notes else "")


def update_docs(section: str) -> None:
    """Replace the `## Intake` section of docs/benchmarks.md, leaving the others alone."""
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text() if path.exists() else (
        "# Benchmarks\n\nMeasured on the development machine; each section names the exact "
        "command, so the numbers can be reproduced and compared.\n")
    pattern = re.compile(r"^## Intake\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: section.rstrip() + "\n\n", current).rstrip() + "\n"
    else:
        updated = current.rstrip() + "\n\n" + section.rstrip() + "\n"
    path.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=300,
                        help="measured reports per server kind, database and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="baseline and tipline alternate this many times per database "
                             "(the machine's speed drifts; each round's ratio is back to back)")
    parser.add_argument("--concurrency", type=int, default=12, help="reports in flight")
    parser.add_argument("--workers", type=int, default=2,
                        help="uvicorn processes on PostgreSQL (SQLite always uses one)")
    parser.add_argument("--pipeline-workers", type=int, default=1,
                        help="`tipline worker` processes in the PostgreSQL tipline+pipeline runs")
    parser.add_argument("--drain-seconds", type=float, default=0,
                        help="after tipline's last round, wait up to this long for the "
                             "pipeline to finish every report and note how long it took")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--postgres-url", default=PG_DEFAULT,
                        help="admin URL; a database tipline_bench_intake is (re)created")
    parser.add_argument("--update-docs", action="store_true",
                        help="write the table into the '## Intake' section of docs/benchmarks.md")
    args = parser.parse_args()

    rng = np.random.default_rng(7)
    images = [(benign_png(rng), benign_png(rng)) for _ in range(64)]
    report_xml = to_xml_bytes(load_schema().from_json(REPORT_DOC, "report"))
    sizes = [len(i) for pair in images for i in pair]
    print(f"images {min(sizes) // 1024}-{max(sizes) // 1024} KB; {args.reports} reports, "
          f"{args.concurrency} in flight, {os.cpu_count()} CPUs")

    results: list[Measured] = []
    for database in args.databases.split(","):
        measured = {kind: Measured(database, kind, server_processes(database, args), [])
                    for kind in KINDS}
        for round_number in range(args.rounds):
            # Alternate the order, so a steady drift favours no kind.
            for kind in KINDS if round_number % 2 == 0 else KINDS[::-1]:
                last = round_number == args.rounds - 1
                result = run_kind(kind, database, args if last else no_drain(args), report_xml,
                                  images)
                measured[kind].rounds.append(result)
                print(f"  {database:10} round {round_number + 1} {kind:16} "
                      f"{result.reports / result.seconds:7.1f} reports/s  "
                      f"p50 {percentile(result.latencies, 50):6.1f} ms  "
                      f"p99 {percentile(result.latencies, 99):6.1f} ms  {result.note}",
                      flush=True)
        results.extend(measured.values())
    output = table(results, args.concurrency)
    print()
    print(output)
    if args.update_docs:
        command = "python benchmarks/intake.py " + shlex.join(sys.argv[1:])
        update_docs(section_text(output, command.strip()))


def no_drain(args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "drain_seconds": 0})


def run_kind(kind: str, database: str, args: argparse.Namespace, report_xml: bytes,
             images: list[tuple[bytes, bytes]]) -> Result:
    """One server kind on a fresh database."""
    with tempfile.TemporaryDirectory(prefix="tipline-bench-") as tmp:
        workdir = Path(tmp)
        if database == "sqlite":
            url = f"sqlite:///{workdir / 'var' / 'bench.db'}"
            (workdir / "var").mkdir()
        else:
            url = fresh_postgres(args.postgres_url, "tipline_bench_intake")
        return run_one(kind, database, url, workdir, args, report_xml, images)


LEGEND = ("`tipline`: intake alone, with the pipeline not running (like for like with the "
          "baseline, which processes nothing); `tipline+pipeline`: the pipeline working "
          "through the queue at the same time on the same cores. A ratio is taken per round "
          "between runs made back to back.")


def section_text(output: str, command: str) -> str:
    return f"## Intake\n\n```\n{command}\n```\n\n{LEGEND}\n\n{output}\n"

if __name__ == "__main__":
    main()
