"""Transparency report benchmark on PostgreSQL: the report (facts gathered with grouped
queries, figures computed, JSON rendered) over N reports and C cases, against the same
aggregates computed by bare SQL in the same run and on the same data.

Data (written with bulk inserts, not through the pipeline): N finished reports of 20
organisations in one month, 4 incident types, one image each (a third of them matched to a
bank entry), case i % C for report i, one active route per case (a country, a channel, a
deadline), two thirds of the cases acknowledged, an outcome for half of them.

    .venv/bin/python benchmarks/transparency.py --reports 100000 --cases 30000

The target of issue 14 is 1M reports and 300k cases (under 60 s, at most 2x bare SQL):
`--reports 1000000 --cases 300000`. The database is `tipline_bench_transparency` on the
server of TIPLINE_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/),
dropped and made anew.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import create_engine, insert, make_url, text

from tipline.agencies.models import Agency
from tipline.banks.models import Bank, BankEntry, BankSignal
from tipline.cases.models import Case, CaseReport
from tipline.db import Database, table_of
from tipline.delivery.models import Delivery
from tipline.matching.models import FileMatch
from tipline.migrate import upgrade
from tipline.outcomes.models import Outcome
from tipline.reporters.models import Reporter
from tipline.reports.models import Report, ReportFile
from tipline.routing.models import Route, RouteCountry
from tipline.transparency import facts, render, report

ADMIN = os.environ.get("TIPLINE_TEST_POSTGRES_URL",
                       "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NAME = "tipline_bench_transparency"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
MONTH = dt.timedelta(days=31)
TYPES = ("Child Pornography (possession, manufacture, and distribution)",
         "Online Enticement of Children for Sexual Acts", "Child Sex Trafficking",
         "Misleading Domain Name")
CODES = ("under_investigation", "arrest", "not_actionable", "received")
BATCH = 20_000


def fresh_database() -> str:
    admin = create_engine(make_url(ADMIN).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    return make_url(ADMIN).set(database=NAME).render_as_string(hide_password=False)


def batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def load(db: Database, n: int, c: int) -> None:
    step = MONTH / n
    with db.engine.begin() as conn:
        conn.execute(insert(table_of(Reporter)), [
            {"id": i + 1, "name": f"Org {i}", "kind": ("platform", "hotline")[i % 2],
             "country": "US", "username": f"org-{i}", "password_hash": "x", "active": True,
             "created_at": T0} for i in range(20)])
        conn.execute(insert(table_of(Agency)), [
            {"id": i + 1, "code": f"AG-{i}", "name": f"Agency {i}", "countries": [],
             "channel": "direct", "delivery_method": "pull", "contact": "", "active": True,
             "created_at": T0, "updated_at": T0} for i in range(5)])
        conn.execute(insert(table_of(Bank)), [{"id": 1, "name": "bench", "description": "",
                                               "kind": "positive", "pdq_threshold": 31,
                                               "enabled": True, "created_at": T0}])
        conn.execute(insert(table_of(BankSignal)), [{"id": 1, "signal_type": "md5",
                                                     "value": "0" * 32}])
        conn.execute(insert(table_of(BankEntry)), [{"id": 1, "bank_id": 1, "signal_id": 1,
                                                    "enabled": True, "added_at": T0}])
        _cases(conn, c)
        for batch in batches({"id": i + 1, "reporter_id": 1 + i % 20, "source": "json",
                              "status": "finished", "document_digest": f"{i:064x}",
                              "incident_type": TYPES[i % 4], "escalate": False,
                              "annotations": [], "document": {}, "quality_score": i % 100,
                              "quality_issues": [{"code": "missing_ip"}] if i % 3 else [],
                              "incident_at": T0 + step * i - dt.timedelta(hours=i % 72),
                              "created_at": T0 + step * i, "finished_at": T0 + step * i}
                             for i in range(n)):
            conn.execute(insert(table_of(Report)), batch)
        for batch in batches({"id": f"{i:032x}", "report_id": i + 1, "size": 1000,
                              "md5": f"{i:032x}", "sha1": f"{i:040x}", "sha256": f"{i:064x}",
                              "uploaded_at": T0, "annotations": [], "media_kind": "image"}
                             for i in range(n)):
            conn.execute(insert(table_of(ReportFile)), batch)
        for batch in batches({"report_id": i + 1, "case_id": 1 + i % c, "linked_by": [],
                              "added_at": T0} for i in range(n)):
            conn.execute(insert(table_of(CaseReport)), batch)
        for batch in batches({"report_id": i + 1, "file_id": f"{i:032x}", "bank_id": 1,
                              "entry_id": 1, "signal_type": "md5", "query_label": "original",
                              "distance": 0, "suppressed": False, "matched_at": T0}
                             for i in range(0, n, 3)):
            conn.execute(insert(table_of(FileMatch)), batch)
        conn.execute(text("ANALYZE"))


def _cases(conn: Any, c: int) -> None:
    step = MONTH / c
    for batch in batches({"id": j + 1, "status": "open", "work_status": "new",
                          "created_at": T0, "updated_at": T0, "summary": {},
                          "priority_reasons": []} for j in range(c)):
        conn.execute(insert(table_of(Case)), batch)
    for batch in batches({"id": j + 1, "case_id": j + 1, "agency_id": 1 + j % 5,
                          "reasons": [], "channel_chain": [("direct", "europol")[j % 2]],
                          "deadline": T0 + step * j + dt.timedelta(days=3),
                          "deadline_basis": {}, "at_risk": False, "status": "active",
                          "computed_at": T0 + step * j} for j in range(c)):
        conn.execute(insert(table_of(Route)), batch)
    for batch in batches({"route_id": j + 1, "country": ("DE", "FR", "NL")[j % 3],
                          "case_id": j + 1} for j in range(c)):
        conn.execute(insert(table_of(RouteCountry)), batch)
    for batch in batches({"id": j + 1, "route_id": j + 1, "case_id": j + 1,
                          "agency_id": 1 + j % 5, "case_version": "v", "idempotency_key":
                          f"k{j}", "status": "acknowledged", "attempts": 1,
                          "next_attempt_at": T0, "created_at": T0, "ack_detail": {},
                          "acknowledged_at": T0 + step * j + dt.timedelta(hours=2 + j % 50)}
                         for j in range(c) if j % 3):
        conn.execute(insert(table_of(Delivery)), batch)
    for batch in batches({"agency_id": 1 + j % 5, "case_id": j + 1, "code": CODES[j % 4],
                          "reason": "duplicate" if CODES[j % 4] == "not_actionable" else None,
                          "vocabulary_version": 1, "note": "", "via": "api",
                          "recorded_by": "bench", "recorded_at": T0 + dt.timedelta(days=20)}
                         for j in range(0, c, 2)):
        conn.execute(insert(table_of(Outcome)), batch)


BARE_SQL = [  # the same aggregates the report shows, as a reader would write them by hand
    """SELECT rp.kind, count(*) FROM reports r JOIN reporters rp ON rp.id = r.reporter_id
       WHERE r.finished_at >= :s AND r.finished_at < :e AND r.status <> 'retracted'
       GROUP BY rp.kind""",
    """SELECT rp.name, count(*) FROM reports r JOIN reporters rp ON rp.id = r.reporter_id
       WHERE r.finished_at >= :s AND r.finished_at < :e GROUP BY rp.name""",
    """SELECT incident_type, count(*) FROM reports WHERE finished_at >= :s
       AND finished_at < :e GROUP BY incident_type""",
    """SELECT count(*), count(*) FILTER (WHERE f.media_kind IN ('image', 'video')),
       count(*) FILTER (WHERE f.id IN (SELECT file_id FROM file_matches WHERE NOT suppressed))
       FROM report_files f JOIN reports r ON r.id = f.report_id
       WHERE r.finished_at >= :s AND r.finished_at < :e""",
    """SELECT n, count(*) FROM (SELECT cr.case_id, (SELECT count(*) FROM case_reports x
       WHERE x.case_id = cr.case_id) AS n FROM case_reports cr JOIN reports r
       ON r.id = cr.report_id WHERE r.finished_at >= :s AND r.finished_at < :e
       GROUP BY cr.case_id) t GROUP BY n""",
    """SELECT rc.country, count(*) FROM routes ro JOIN route_countries rc ON rc.route_id = ro.id
       WHERE ro.status = 'active' AND ro.case_id IN (SELECT cr.case_id FROM case_reports cr
       JOIN reports r ON r.id = cr.report_id WHERE r.finished_at >= :s AND r.finished_at < :e)
       GROUP BY rc.country""",
    """SELECT ro.channel_chain->>0, count(*) FILTER (WHERE a.at <= ro.deadline),
       count(*) FILTER (WHERE a.at > ro.deadline OR (a.at IS NULL AND ro.deadline < :e))
       FROM routes ro LEFT JOIN (SELECT case_id, agency_id, min(acknowledged_at) AS at
       FROM deliveries GROUP BY case_id, agency_id) a ON a.case_id = ro.case_id
       AND a.agency_id = ro.agency_id WHERE ro.status = 'active' GROUP BY 1""",
    """SELECT percentile_disc(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY
       extract(epoch FROM d.at - r.finished_at)) FROM reports r JOIN case_reports cr
       ON cr.report_id = r.id JOIN (SELECT case_id, min(acknowledged_at) AS at FROM deliveries
       GROUP BY case_id) d ON d.case_id = cr.case_id WHERE r.finished_at >= :s
       AND r.finished_at < :e AND d.at >= r.finished_at""",
    """SELECT o.code, count(DISTINCT r.id) FROM reports r JOIN case_reports cr
       ON cr.report_id = r.id JOIN outcomes o ON o.case_id = cr.case_id
       AND (o.report_id IS NULL OR o.report_id = r.id) WHERE r.finished_at >= :s
       AND r.finished_at < :e AND (o.held_until IS NULL OR o.held_until <= :e)
       GROUP BY o.code""",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=30_000)
    args = parser.parse_args()
    db = Database(fresh_database())
    upgrade(db)
    started = time.perf_counter()
    load(db, args.reports, args.cases)
    print(f"loaded {args.reports} reports, {args.cases} cases in "
          f"{time.perf_counter() - started:.1f} s")
    end = T0 + MONTH
    with db.engine.connect() as conn:
        started = time.perf_counter()
        for query in BARE_SQL:
            conn.execute(text(query), {"s": T0, "e": end}).all()
        bare = time.perf_counter() - started
    started = time.perf_counter()
    with db.sessions() as session:
        found = facts.gather(session, T0, end, end, quality=False)
    gathered = time.perf_counter() - started
    built = report.build(found, None)
    out = render.json_bytes(built)
    total = time.perf_counter() - started
    print(f"bare SQL aggregates: {bare:.2f} s")
    print(f"transparency report: {total:.2f} s (gathering facts {gathered:.2f} s), "
          f"{len(out)} bytes of JSON, inputs {built.inputs_sha256[:12]}")
    print(f"ratio report / bare SQL: {total / bare:.1f}x")
    db.dispose()


if __name__ == "__main__":
    main()
