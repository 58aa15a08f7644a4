"""Hash-list benchmarks: bulk import, incremental re-import, follower memory, single add,
and the HTTP match API against a bare endpoint over the same index.

Ratios are against the bare load of the same rows in the same run: PostgreSQL `COPY` /
SQLite `executemany` of (signal_type, value, collab, tags) into a one-table schema. Each
measured step runs in a child process, so its peak resident memory is its own.

    .venv/bin/python benchmarks/lists.py --db postgresql --size 1000000
    .venv/bin/python benchmarks/lists.py --db sqlite --size 100000

The match API part starts two uvicorn servers in turn on the imported database: tipline
(`/api/v1/match/hashes`, a reporter's basic credentials, provenance of every match) and a bare
FastAPI app (`bare_app` below) that opens the same `LiveIndex` and answers index ids only.
Clients keep their connection alive; half of the hashes asked are in the list.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI
from sqlalchemy import create_engine, text

from tipline.audit.service import Actor
from tipline.banks import usecases
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.db import Database
from tipline.matching.live import LiveIndex
from tipline.migrate import upgrade
from tipline.reporters.schemas import ReporterCreate
from tipline.reporters.service import create_reporter

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ACTOR = Actor("benchmark")
USERNAME, PASSWORD = "bench-platform", "benchmark-password-long-enough"
UVICORN = ["--host", "127.0.0.1", "--http", "httptools", "--loop", "uvloop",
           "--no-access-log", "--log-level", "warning", "--workers", "1"]
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def write_list(path: Path, values: list[str]) -> None:
    with path.open("w") as f:
        f.write("signal_type,signal_str,collab,category,tags\n")
        for v in values:
            f.write(f"pdq,{v},daily,POSITIVE_CLASS,industry:A1\n")


def fresh_url(db: str, folder: Path) -> str:
    if db == "sqlite":
        return f"sqlite:///{folder}/bench-{secrets.token_hex(4)}.db"
    name = f"bench_lists_{secrets.token_hex(4)}"
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _in_child(fn: Any, *args: Any) -> tuple[Any, float]:
    """Run fn in a child process: (its result, its peak resident memory in MB)."""
    with mp.get_context("fork").Pool(1) as pool:
        return pool.apply(_measured, (fn, *args))  # type: ignore[no-any-return]


def _measured(fn: Any, *args: Any) -> tuple[Any, float]:
    result = fn(*args)
    return result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def do_import(url: str, path: str, replace: bool) -> tuple[float, dict[str, int]]:
    db = Database(url)
    started = time.perf_counter()
    result = usecases.import_file(db, None, "list", Path(path), "hma", ACTOR, replace=replace)
    elapsed = time.perf_counter() - started
    db.dispose()
    return elapsed, result.model_dump(exclude={"bank"})


def bare_load(url: str, path: str) -> float:
    """The physical limit: the same rows into one table, by the database's fastest path."""
    db = Database(url)
    with open(path) as f:
        rows = [line.rstrip("\n").split(",") for line in f][1:]
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE bare (signal_type TEXT, value TEXT, collab TEXT, "
                             "category TEXT, tags TEXT)")
        raw: Any = conn.connection.dbapi_connection
        if db.is_sqlite:
            raw.cursor().executemany("INSERT INTO bare VALUES (?, ?, ?, ?, ?)", rows)
        else:
            with raw.cursor() as cursor, cursor.copy("COPY bare FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    elapsed = time.perf_counter() - started
    db.dispose()
    return elapsed


def catch_up(url: str, folder: str) -> tuple[float, int]:
    """A follower that was saved before the last import opens its saved index and applies the
    change log since: (seconds until everything imported is matchable, entries)."""
    db = Database(url)
    started = time.perf_counter()
    index = LiveIndex(db, Path(folder))
    index.open()
    elapsed = time.perf_counter() - started
    index.stop()  # saves, so the next catch-up starts from here
    db.dispose()
    return elapsed, len(index)


def follower(url: str, folder: str) -> dict[str, float]:
    """A process that opens the index from the banks: build time and resident memory."""
    base = _rss_mb()
    db = Database(url)
    started = time.perf_counter()
    index = LiveIndex(db, Path(folder) / f"index-{secrets.token_hex(4)}")
    index.open()
    built = time.perf_counter() - started
    rss = _rss_mb()
    polls = []
    for _ in range(20):
        t = time.perf_counter()
        index.sync()
        polls.append(time.perf_counter() - t)
    return {"entries": len(index), "build_s": built, "rss_mb": rss, "base_mb": base,
            "idle_poll_ms": 1000 * sorted(polls)[10]}


def single_adds(url: str, folder: str, n: int = 20) -> dict[str, float]:
    db = Database(url)
    index = LiveIndex(db, Path(folder) / f"index-{secrets.token_hex(4)}")
    index.open()
    index.start()
    calls, fresh = [], []
    for _ in range(n):
        value = secrets.token_hex(32)
        started = time.perf_counter()
        usecases.add_entry(db, None, "list", HashRecord("pdq", value), ACTOR)
        calls.append(time.perf_counter() - started)
        index.notify()  # what the API's on_commit does in the serving process
        while not index.query(value, 0):
            time.sleep(0.001)
        fresh.append(time.perf_counter() - started)
    index.stop()
    return {"call_p50_ms": 1000 * sorted(calls)[n // 2],
            "first_match_p50_ms": 1000 * sorted(fresh)[n // 2]}


def bare_app() -> FastAPI:
    """The physical limit of the match API: the same index, ids only, no auth, no database."""
    index = LiveIndex(Database(os.environ["BARE_DATABASE_URL"]),
                      Path(os.environ["BARE_INDEX_DIR"]))
    index.open()
    app = FastAPI()

    @app.post("/bare/hashes")
    def hashes(body: dict[str, Any] = Body()) -> list[list[int]]:
        # a plain `def` runs in FastAPI's thread pool, as tipline's lookups run in threads
        values = [h["value"] for h in body["hashes"]]
        return [[vid for vid, _ in answer] for answer in index.query_many(values, 31)]

    return app


class Client:
    """One keep-alive connection."""

    def __init__(self, port: int, path: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.path = path
        token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        self.headers = {"Content-Type": "application/json", "Authorization": f"Basic {token}"}

    def ask(self, values: list[str]) -> float:
        body = json.dumps({"hashes": [{"type": "pdq", "value": v} for v in values]})
        started = time.perf_counter()
        try:
            self.conn.request("POST", self.path, body, self.headers)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # the server closed an idle keep-alive connection (uvicorn: after 5 s; a client
            # thread can wait that long for the CPU on a loaded machine): ask again on a new one
            self.conn.close()
            self.conn.connect()
            self.conn.request("POST", self.path, body, self.headers)
            response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {data[:300]!r}")
        return time.perf_counter() - started


def _queries(values: list[str], n: int) -> list[str]:
    """Half in the list, half not."""
    return [values[i % len(values)] if i % 2 else secrets.token_hex(32) for i in range(n)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(app: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen([str(BIN / "uvicorn"), *app, *UVICORN, "--port", str(port)],
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 900  # the index of a big list takes a while to open
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _drive(port: int, path: str, values: list[str], clients: int, requests: int,
           per_request: int) -> tuple[float, list[float]]:
    """`clients` threads, each `requests` requests of `per_request` hashes: (seconds, latencies)."""
    def work(_: int) -> list[float]:
        client = Client(port, path)
        return [client.ask(_queries(values, per_request)) for _ in range(requests)]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [t for part in pool.map(work, range(clients)) for t in part]
    return time.perf_counter() - started, latencies


def _measure_api(port: int, path: str, values: list[str], pid: int) -> dict[str, float]:
    _drive(port, path, values, 8, 3, 1)  # warm-up (password check, caches)
    _, single = _drive(port, path, values, 1, 300, 1)
    single.sort()
    t8, _ = _drive(port, path, values, 8, 100, 1)
    tb, _ = _drive(port, path, values, 8, 3, 1000)
    return {"p50_ms": 1000 * single[len(single) // 2],
            "p99_ms": 1000 * single[int(len(single) * 0.99)],
            "rate_8": 800 / t8, "batch_hashes_s": 8 * 3 * 1000 / tb, "rss_mb": _rss_of(pid)}


def match_api(url: str, folder: Path, values: list[str]) -> dict[str, dict[str, float]]:
    db = Database(url)
    with db.transaction() as session:
        create_reporter(session, ReporterCreate(name="Benchmark Platform", username=USERNAME,
                                                password=PASSWORD), ACTOR)
    db.dispose()
    env = {**os.environ, "TIPLINE_ENVIRONMENT": "test", "TIPLINE_DATA_DIR": str(folder / "var"),
           "TIPLINE_DATABASE_URL": url, "TIPLINE_RUN_PIPELINE_IN_SERVER": "false",
           "TIPLINE_EVIDENCE_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "TIPLINE_SECRET_KEY": secrets.token_urlsafe(32),
           "BARE_DATABASE_URL": url, "BARE_INDEX_DIR": str(folder / "bare-index")}
    servers = {"tipline": (["tipline.app:create_app", "--factory"], "/api/v1/match/hashes"),
               "bare": (["--app-dir", str(HERE), "lists:bare_app", "--factory"],
                        "/bare/hashes")}
    out = {}
    for name, (app, path) in servers.items():
        proc, port = _serve(app, env, folder / f"{name}.log")
        try:
            out[name] = _measure_api(port, path, values, proc.pid)
        finally:
            _stop(proc)
    return out


def _print_api(api: dict[str, dict[str, float]]) -> None:
    for name, m in api.items():
        print(f"match API {name}: single p50 {m['p50_ms']:.1f} ms, p99 {m['p99_ms']:.1f} ms; "
              f"8 clients {m['rate_8']:,.0f} req/s; batch (8 clients x 1000) "
              f"{m['batch_hashes_s']:,.0f} hashes/s; server RSS {m['rss_mb']:.0f} MB")
    t, b = api["tipline"], api["bare"]
    print(f"match API tipline/bare: p50 x{t['p50_ms'] / b['p50_ms']:.2f}, p99 "
          f"x{t['p99_ms'] / b['p99_ms']:.2f}, 8-client rate {t['rate_8'] / b['rate_8']:.2f}, "
          f"batch rate {t['batch_hashes_s'] / b['batch_hashes_s']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--no-api", action="store_true", help="skip the HTTP match API part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = fresh_url(args.db, folder)
        db = Database(url)
        upgrade(db)
        usecases.create_bank(db, None, BankCreate(name="list"), ACTOR)
        db.dispose()
        values = [secrets.token_hex(32) for _ in range(args.size)]
        first, second = folder / "v1.csv", folder / "v2.csv"
        write_list(first, values)
        changed = max(1, args.size // 100)
        write_list(second, values[changed:] + [secrets.token_hex(32) for _ in range(changed)])
        print(f"== {args.db}, {args.size:,} PDQ entries (HMA signal list, "
              f"{first.stat().st_size / 1e6:.0f} MB)")
        saved = str(folder / "saved-index")
        _in_child(catch_up, url, saved)  # the follower's state before the import
        (t_import, counts), peak = _in_child(do_import, url, str(first), False)
        print(f"import: {t_import:.1f} s, {args.size / t_import:,.0f} entries/s, "
              f"peak RSS {peak:.0f} MB; {counts}")
        (t_follow, n), _ = _in_child(catch_up, url, saved)
        print(f"a follower saved before the import: matchable {t_follow:.1f} s after it "
              f"({n:,} entries)")
        bare_url = fresh_url(args.db, folder)
        Database(bare_url).dispose()
        t_bare, _ = _in_child(bare_load, bare_url, str(first))
        print(f"bare {'executemany' if args.db == 'sqlite' else 'COPY'}: {t_bare:.1f} s, "
              f"{args.size / t_bare:,.0f} rows/s; import/bare rate = {t_bare / t_import:.2f}")
        (t_again, counts), peak = _in_child(do_import, url, str(second), True)
        print(f"re-import with 1% changed: {t_again:.1f} s ({100 * t_again / t_import:.0f}% "
              f"of the first), peak RSS {peak:.0f} MB; {counts}")
        (t_follow, n), _ = _in_child(catch_up, url, saved)
        print(f"... the follower: matchable {t_follow:.2f} s after it ({n:,} entries)")
        (t_same, counts), _ = _in_child(do_import, url, str(second), True)
        print(f"the same file again: {t_same:.2f} s ({100 * t_same / t_import:.1f}% of the "
              f"first); identical: {counts['identical']}")
        stats, peak = _in_child(follower, url, tmp)
        per_entry = (stats["rss_mb"] - stats["base_mb"]) * 2**20 / max(1, stats["entries"])
        print(f"follower: index built in {stats['build_s']:.1f} s, RSS {stats['rss_mb']:.0f} "
              f"MB ({per_entry:.0f} bytes/entry above the bare process's "
              f"{stats['base_mb']:.0f} MB), idle poll p50 {stats['idle_poll_ms']:.2f} ms")
        adds, _ = _in_child(single_adds, url, tmp)
        print(f"single add: call p50 {adds['call_p50_ms']:.1f} ms, first match p50 "
              f"{adds['first_match_p50_ms']:.1f} ms")
        if not args.no_api:
            _print_api(match_api(url, folder, values))
        if args.db == "postgresql":
            drop_databases(url, bare_url)


def drop_databases(*urls: str) -> None:
    """The run's databases (a 1M run leaves about a gigabyte otherwise)."""
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for url in urls:
            conn.execute(text(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)"))
    engine.dispose()


if __name__ == "__main__":
    main()
