"""Hash-list benchmarks: bulk import, incremental re-import, follower memory, single add.

Ratios are against the bare load of the same rows in the same run: PostgreSQL `COPY` /
SQLite `executemany` of (signal_type, value, collab, tags) into a one-table schema. Each
measured step runs in a child process, so its peak resident memory is its own.

    .venv/bin/python benchmarks/lists.py --db postgresql --size 1000000
    .venv/bin/python benchmarks/lists.py --db sqlite --size 100000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tipline.audit.service import Actor
from tipline.banks import usecases
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.db import Database
from tipline.matching.live import LiveIndex
from tipline.migrate import upgrade

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ACTOR = Actor("benchmark")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--size", type=int, default=100_000)
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
        (t_import, counts), peak = _in_child(do_import, url, str(first), False)
        print(f"import: {t_import:.1f} s, {args.size / t_import:,.0f} entries/s, "
              f"peak RSS {peak:.0f} MB; {counts}")
        bare_url = fresh_url(args.db, folder)
        Database(bare_url).dispose()
        t_bare, _ = _in_child(bare_load, bare_url, str(first))
        print(f"bare {'executemany' if args.db == 'sqlite' else 'COPY'}: {t_bare:.1f} s, "
              f"{args.size / t_bare:,.0f} rows/s; import/bare rate = {t_bare / t_import:.2f}")
        (t_again, counts), peak = _in_child(do_import, url, str(second), True)
        print(f"re-import with 1% changed: {t_again:.1f} s ({100 * t_again / t_import:.0f}% "
              f"of the first), peak RSS {peak:.0f} MB; {counts}")
        stats, peak = _in_child(follower, url, tmp)
        per_entry = (stats["rss_mb"] - stats["base_mb"]) * 2**20 / max(1, stats["entries"])
        print(f"follower: index built in {stats['build_s']:.1f} s, RSS {stats['rss_mb']:.0f} "
              f"MB ({per_entry:.0f} bytes/entry above the bare process's "
              f"{stats['base_mb']:.0f} MB), idle poll p50 {stats['idle_poll_ms']:.2f} ms")
        adds, _ = _in_child(single_adds, url, tmp)
        print(f"single add: call p50 {adds['call_p50_ms']:.1f} ms, first match p50 "
              f"{adds['first_match_p50_ms']:.1f} ms")


if __name__ == "__main__":
    main()
