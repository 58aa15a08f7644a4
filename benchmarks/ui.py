"""UI benchmark: server time of the worklist and case pages on PostgreSQL at scale, against
the same SQL issued bare in the same run.

1. Generate N cases and 5N reports (with case_reports, routes and their countries,
   priorities and case events, as the pages read them) inside PostgreSQL with
   `INSERT ... SELECT generate_series(...)`: benign synthetic rows, no media, nothing crosses
   the wire (faster than COPY from the client). Foreign-key triggers are off while loading and
   the secondary indexes are built after it.
2. Log in as an analyst and request each page through the ASGI app in process (httpx's
   ASGITransport: the middleware, the session, the use case and the template, no network),
   `--requests` times each, after a warm-up: the worklist's first page, a filtered page (level
   and deadline within N hours), a deep page (the keyset cursor `--deep` rows in), a page
   filtered by country, the case page, and the counts per level (the fragment htmx loads into
   the worklist page), unfiltered and by country.
3. "Bare": every SQL statement one request of that page issued (captured from the engine),
   replayed with the same parameters on one SQLAlchemy connection (`exec_driver_sql`) and
   committed, as often: the database's share. The ratio is page p50 / bare p50.

    .venv/bin/python benchmarks/ui.py --cases 1000000 --requests 50
    .venv/bin/python benchmarks/ui.py --cases 1000000 --reuse     # measure again, same data
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import URL, Connection, make_url

from tipline.app import create_app
from tipline.audit.service import Actor
from tipline.cases.models import WORKLIST_ORDER, Case
from tipline.db import Database, utcnow
from tipline.migrate import upgrade
from tipline.settings import Settings
from tipline.state import build_state
from tipline.triage.worklist import sort_key
from tipline.users.schemas import UserCreate
from tipline.users.service import create_user

COUNTRIES = ("DE", "FR", "NL", "BE", "IT", "ES", "PL", "SE", "GB", "US",
             "CA", "BR", "MX", "IN", "AU", "JP", "PH", "TH", "ZA", "NG")
PASSWORD = "a-long-benchmark-password-42"
LOADED = ("cases", "reports", "case_reports", "routes", "route_countries", "case_priorities",
          "case_events")

# Levels: 2% P1, 10% P2, 30% P3, 50% P4, 8% not triaged; a quarter without a deadline, the
# rest within a day overdue to 13 days ahead; 5% closed, 5% merged; 80% routed to one agency.
CASES_SQL = """
INSERT INTO cases (id, status, merged_into_id, created_at, updated_at, first_seen, last_seen,
                   summary, priority_level, priority_score, priority_reasons, deadline)
SELECT g, CASE g % 20 WHEN 0 THEN 'closed' WHEN 1 THEN 'merged' ELSE 'open' END,
       CASE WHEN g % 20 = 1 AND g > 1 THEN g - 1 END,
       now() - interval '30 days', now(), now() - interval '30 days', now(),
       '{"reports": 5}'::json, lv,
       CASE WHEN lv IS NOT NULL THEN (5 - substr(lv, 2)::int) * 20 + (r2 * 20)::int END,
       CASE WHEN lv IS NOT NULL
            THEN json_build_array(json_build_object('reason', 'synthetic ' || lv))
            ELSE '[]'::json END,
       CASE WHEN r3 < 0.25 THEN NULL ELSE now() + (r4 * 14 - 1) * interval '1 day' END
FROM (SELECT g, CASE WHEN r1 < 0.02 THEN 'P1' WHEN r1 < 0.12 THEN 'P2' WHEN r1 < 0.42 THEN 'P3'
                     WHEN r1 < 0.92 THEN 'P4' END AS lv, r2, r3, r4
      FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4
            FROM generate_series(1, :n) AS g) AS r) AS s
"""
REPORTS_SQL = """
INSERT INTO reports (id, reporter_id, source, status, document_digest, incident_type,
                     incident_at, platform, escalate, annotations, document, quality_score,
                     quality_issues, created_at, finished_at)
SELECT g, 1, 'json', 'finished', md5(g::text), 'Online Enticement of Children for Sexual Acts',
       now() - interval '31 days', 'benchmark', false, '[]'::json,
       '{"report": {"incidentSummary": {"incidentType": "synthetic"}}}'::json, 90, '[]'::json,
       now() - interval '30 days', now() - interval '30 days'
FROM generate_series(1, :n * 5) AS g
"""
CASE_REPORTS_SQL = """
INSERT INTO case_reports (report_id, case_id, linked_by, added_at)
SELECT g, (g - 1) / 5 + 1, '[{"report_id": 1, "keys": ["account:synthetic"]}]'::json, now()
FROM generate_series(1, :n * 5) AS g
"""
ROUTES_SQL = """
INSERT INTO routes (id, case_id, agency_id, reasons, channel_chain, deadline, deadline_basis,
                    at_risk, status, computed_at)
SELECT c.id, c.id, (c.id / 5) % 20 + 1,
       json_build_array(json_build_object('country', a.code2, 'evidence_kinds',
                        json_build_array('ip'), 'evidence_count', 1, 'text', a.code2 || ': ip')),
       json_build_array(a.code), c.deadline, '{}'::json, false, 'active', now()
FROM cases c JOIN (SELECT id, code, countries->>0 AS code2 FROM agencies) a
     ON a.id = (c.id / 5) % 20 + 1
WHERE c.id % 5 <> 0
"""
SIDE_SQL = (
    "INSERT INTO route_countries (route_id, country, case_id) "
    "SELECT r.id, r.reasons->0->>'country', r.case_id FROM routes r",
    "INSERT INTO case_priorities (id, case_id, at, level, score, reasons, policy) "
    "SELECT id, id, now(), priority_level, priority_score, priority_reasons, 'benchmark' "
    "FROM cases WHERE priority_level IS NOT NULL",
    "INSERT INTO case_events (id, case_id, at, kind, detail) "
    "SELECT id, id, created_at, 'created', '{}'::json FROM cases",
)


def database_url(admin: str, name: str) -> URL:
    return make_url(admin).set(database=name)


def create_database(admin: str, name: str) -> Database:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    db = Database(database_url(admin, name).render_as_string(hide_password=False))
    upgrade(db)
    return db


def _secondary_indexes(conn: Connection) -> list[tuple[str, str]]:
    """(name, definition) of the loaded tables' indexes that back no constraint."""
    return [(n, d) for n, d in conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t) AND indexname "
        "NOT IN (SELECT conname FROM pg_constraint)"), {"t": list(LOADED)})]


def generate(db: Database, n: int) -> float:
    """Load the rows; returns the seconds it took (indexes and statistics included)."""
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(text("SET session_replication_role = replica"))  # no FK triggers
        conn.execute(text("SET synchronous_commit = off"))
        conn.execute(text("SET maintenance_work_mem = '256MB'"))
        indexes = _secondary_indexes(conn)
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text(
            "INSERT INTO reporters (id, name, kind, country, username, password_hash, active,"
            " created_at) VALUES (1, 'Benchmark platform', 'platform', 'US', 'bench', 'x',"
            " true, now())"))
        for i, country in enumerate(COUNTRIES, start=1):
            conn.execute(text(
                "INSERT INTO agencies (id, code, name, countries, channel, delivery_method,"
                " contact, active, created_at, updated_at) VALUES (:i, :code, :name,"
                " json_build_array(CAST(:c AS text)), 'direct', 'pull', '', true, now(), now())"),
                {"i": i, "code": f"{country}-POLICE", "name": f"Police {country}", "c": country})
        for label, sql in (("cases", CASES_SQL), ("reports", REPORTS_SQL),
                           ("case_reports", CASE_REPORTS_SQL), ("routes", ROUTES_SQL),
                           *((f"side {i}", s) for i, s in enumerate(SIDE_SQL))):
            conn.execute(text(sql), {"n": n})
            print(f"  {label}: {time.perf_counter() - started:.0f} s", flush=True)
        for name, definition in indexes:
            conn.execute(text(definition))
            print(f"  index {name}: {time.perf_counter() - started:.0f} s", flush=True)
        for table in ("reporters", "agencies", "cases", "reports", "routes", "case_priorities",
                      "case_events"):  # the tables with their own id sequence
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                              f" (SELECT max(id) FROM {table}))"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # statistics, and the visibility map
    return time.perf_counter() - started


# --- measuring ------------------------------------------------------------------------------

class Capture:
    """The SQL statements (with parameters) the engine runs while switched on."""

    def __init__(self, db: Database) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
              executemany: bool) -> None:
        if self.on and not executemany:
            self.statements.append((statement, parameters))


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


async def timed(call: Callable[[], Awaitable[Any]], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


def bare(db: Database, statements: list[tuple[str, Any]], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        with db.engine.begin() as conn:
            for statement, parameters in statements:
                conn.exec_driver_sql(statement, parameters).fetchall() if _returns(
                    statement) else conn.exec_driver_sql(statement, parameters)
        samples.append(time.perf_counter() - started)
    return samples


def _returns(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


def add_analyst(db: Database) -> str:
    with db.transaction() as session:
        create_user(session, UserCreate(username="bench-analyst", role="analyst",
                                        organisation="Hotline", jurisdiction="DE",
                                        password=PASSWORD), Actor("benchmark"))
    return "bench-analyst"


def deep_cursor(db: Database, rows: int) -> str:
    """The cursor of the page ending `rows` rows into the open worklist."""
    with db.sessions() as session:
        case = session.scalar(select(Case).where(Case.status == "open")
                              .order_by(*WORKLIST_ORDER).offset(rows - 1).limit(1))
        assert case is not None, "fewer open cases than --deep"
        return sort_key(case.priority_level, case.deadline, case.priority_score,
                        case.id).encode()


async def log_in(client: httpx.AsyncClient, username: str) -> None:
    form = (await client.get("/login")).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found, "no CSRF token on the login page"
    answer = await client.post("/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": found.group(1)})
    assert answer.status_code == 303, answer.text[:300]


async def measure(db: Database, settings: Settings, pages: dict[str, str], times: int
                  ) -> list[dict[str, Any]]:
    state = build_state(settings)
    app = create_app(state=state)  # no lifespan: no pipeline or workers run meanwhile
    capture = Capture(state.db)
    results = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await log_in(client, "bench-analyst")

        for name, url in pages.items():
            async def get(url: str = url) -> None:
                answer = await client.get(url, headers={"HX-Request": "true"} if "/counts" in url
                                          else None)
                assert answer.status_code == 200, (url, answer.status_code)

            await timed(get, 5)  # warm-up: statement caches, prepared statements
            capture.statements, capture.on = [], True
            await get()
            capture.on = False
            statements = list(capture.statements)
            page = percentiles(await timed(get, times))
            raw = percentiles(bare(state.db, statements, times))
            results.append({"page": name, "url": url, "statements": len(statements),
                            "page_p50": page[0], "page_p95": page[1], "bare_p50": raw[0],
                            "bare_p95": raw[1], "ratio": page[0] / raw[0]})
            print(f"  {name}: page p50 {page[0]:.1f} ms p95 {page[1]:.1f} ms; bare p50 "
                  f"{raw[0]:.1f} ms p95 {raw[1]:.1f} ms", flush=True)
    state.db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--deep", type=int, default=100_000, help="rows before the deep page")
    parser.add_argument("--within-hours", type=int, default=48)
    parser.add_argument("--admin-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="tipline_bench_ui")
    parser.add_argument("--reuse", action="store_true", help="keep the generated database")
    args = parser.parse_args()
    url = database_url(args.admin_url, args.database).render_as_string(hide_password=False)
    if args.reuse:
        db = Database(url)
    else:
        db = create_database(args.admin_url, args.database)
        print(f"generating {args.cases:,} cases, {5 * args.cases:,} reports", flush=True)
        print(f"generated in {generate(db, args.cases):.0f} s", flush=True)
        add_analyst(db)
    with db.sessions() as session:
        case_id = session.scalar(select(Case.id).where(Case.status == "open")
                                 .order_by(*WORKLIST_ORDER).limit(1))
    pages = {
        "worklist, first page": "/worklist",
        f"worklist, P2 and deadline within {args.within_hours} h":
            f"/worklist?level=P2&within_hours={args.within_hours}",
        f"worklist, deep page ({args.deep:,} rows in)":
            f"/worklist?after={deep_cursor(db, args.deep)}",
        "worklist, country DE": "/worklist?country=DE",
        "case page": f"/cases/{case_id}",
        "counts per level (htmx fragment of the worklist)": "/worklist/counts",
        "counts per level, country DE": "/worklist/counts?country=DE",
    }
    db.dispose()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(environment="test", data_dir=Path(data_dir), database_url=url,
                            evidence_key=base64.b64encode(secrets.token_bytes(32)).decode(),
                            secret_key=secrets.token_urlsafe(32))
        results = asyncio.run(measure(db, settings, pages, args.requests))
    print(f"\n{args.cases:,} cases, {5 * args.cases:,} reports; {args.requests} requests per "
          f"page; {utcnow():%Y-%m-%d %H:%M} UTC\n")
    print("| page | SQL statements | page p50 ms | page p95 ms | bare p50 ms | bare p95 ms "
          "| page / bare (p50) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['page']} | {r['statements']} | {r['page_p50']:.1f} | {r['page_p95']:.1f} "
              f"| {r['bare_p50']:.1f} | {r['bare_p95']:.1f} | {r['ratio']:.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
