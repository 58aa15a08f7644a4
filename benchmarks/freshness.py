"""Freshness: time from adding a bank entry to its first match, through the real path.

A bank entry is committed through the bank service (as `tipline banks import` does), then a
query loop asks the process's live index (as the match API and the pipeline do) until the
entry matches. Measured on the embedded SQLite default and on PostgreSQL, with a background
bank of generated hashes so the index is not empty. Target: under one second.

    .venv/bin/python benchmarks/freshness.py [--entries 20000] [--trials 20]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tipline.audit.service import Actor
from tipline.banks import service
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.db import Database
from tipline.matching.live import LiveIndex
from tipline.migrate import upgrade

ACTOR = Actor("benchmark")
PG = os.environ.get("TIPLINE_TEST_POSTGRES_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_db() -> tuple[Database, str]:
    name = f"tipline_bench_fresh_{os.getpid()}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Database(PG.rsplit("/", 1)[0] + f"/{name}"), name


def _drop_postgres(name: str) -> None:
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def measure(db: Database, folder: Path, entries: int, trials: int) -> dict[str, float]:
    upgrade(db)
    with db.transaction() as session:
        bank = service.create_bank(session, BankCreate(name="background"), ACTOR)
        service.add_records(session, bank, [HashRecord("pdq", secrets.token_hex(32))
                                            for _ in range(entries)], ACTOR)
    index = LiveIndex(db, folder / "index", poll_seconds=0.2)
    index.open()
    index.start()
    samples = []
    for _ in range(trials):
        value = secrets.token_hex(32)
        with db.transaction() as session:
            service.add_records(session, service.require_bank(session, "background"),
                                [HashRecord("pdq", value)], ACTOR)
        committed = time.perf_counter()
        # Another process would only see the change log; do not call notify() here.
        while not index.query(value, 31):
            time.sleep(0.005)
        samples.append(time.perf_counter() - committed)
    index.stop()
    return {"p50_ms": 1000 * statistics.median(samples), "max_ms": 1000 * max(samples),
            "index_size": float(len(index))}


def run(entries: int = 20_000, trials: int = 20) -> dict[str, dict[str, float]]:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = Database(f"sqlite:///{tmp}/fresh.db")
        results["sqlite"] = measure(sqlite, Path(tmp) / "s", entries, trials)
        sqlite.dispose()
        pg, name = _postgres_db()
        try:
            results["postgresql"] = measure(pg, Path(tmp) / "p", entries, trials)
        finally:
            pg.dispose()
            _drop_postgres(name)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    for db, r in run(args.entries, args.trials).items():
        print(f"{db:10} add -> first match  p50 {r['p50_ms']:.0f} ms  max {r['max_ms']:.0f} ms "
              f"(index of {r['index_size']:.0f} hashes, follower polls every 200 ms)")


if __name__ == "__main__":
    main()
