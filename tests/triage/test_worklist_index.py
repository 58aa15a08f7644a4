"""The worklist at scale: its order, cursor and level/deadline filters are one range of one
index (no sort) on both databases; counts per level stop at a cap; the country filter reads
`route_countries` (written by routing, filled for older routes by migration 0011)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, select, text, true
from sqlalchemy.orm import Session

from routing_support import import_sample, join, new_case, report, route
from tipline.cases.models import Case
from tipline.db import Database, utcnow
from tipline.migrate import downgrade, upgrade
from tipline.routing.models import Route, RouteCountry
from tipline.state import AppState
from tipline.triage import store
from tipline.triage.worklist import Cursor, WorklistFilter
from tipline.web.templates import at_most

from support import add_reporter


def _plan(session: Session, stmt: Select) -> str:  # type: ignore[type-arg]
    bind = session.get_bind()
    sql = str(stmt.compile(bind, compile_kwargs={"literal_binds": True}))
    if bind.dialect.name == "postgresql":
        # The tables are tiny here: forbid the plans that only win on tiny tables, so the
        # plan shows whether the index *can* serve the query (its expressions must match).
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_bitmapscan = off"))
        return "\n".join(r[0] for r in session.execute(text(f"EXPLAIN {sql}")))
    return "\n".join(str(r[-1]) for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_order_cursor_and_filters_are_one_index_range(state: AppState) -> None:
    now = utcnow()
    cursor = Cursor("P2", now + dt.timedelta(hours=3), -70, 5)
    queries = {
        "first page": store.worklist_page_query(WorklistFilter(), true(), None, 51, now),
        "level and deadline": store.worklist_page_query(
            WorklistFilter(level="P2", within_hours=48), true(), None, 51, now),
        "deep page": store.worklist_page_query(WorklistFilter(), true(), cursor, 51, now),
    }
    with state.db.sessions() as session:
        for name, stmt in queries.items():
            plan = _plan(session, stmt)
            assert "ix_cases_worklist_order" in plan, (name, plan)
            assert "Sort" not in plan and "TEMP B-TREE" not in plan, (name, plan)
        counting = _plan(session, store.level_counts_query(
            WorklistFilter(within_hours=48), true(), now, 1000))
        assert "ix_cases_worklist_order" in counting, counting
        if session.get_bind().dialect.name == "postgresql":  # the index alone, not the table
            assert "Index Only Scan" in counting and "Heap Scan" not in counting, counting


def test_counts_per_level_stop_at_the_cap(state: AppState) -> None:
    with state.db.transaction() as session:
        session.add_all(Case(status="open", summary={}, priority_level=level, priority_score=1)
                        for level in ["P1"] * 5 + ["P3"])
    with state.db.sessions() as session:
        counts = store.level_counts(session, WorklistFilter(), true(), utcnow(), cap=3)
    assert counts == {"P1": 4, "P3": 1}  # P1: more than 3
    assert (at_most(4, 3), at_most(3, 3)) == ("3+", "3")


def _filtered(state: AppState, country: str) -> list[int]:
    with state.db.sessions() as session:
        return [c.id for c in store.worklist_page(session, WorklistFilter(country=country),
                                                  true(), None, 50, utcnow())]


def test_the_country_filter_reads_the_countries_routing_wrote(state: AppState) -> None:
    import_sample(state)
    add_reporter(state, "platform-a", country="US")
    seen = utcnow() - dt.timedelta(hours=2)
    german = new_case(state, report(state, "platform-a", ips=[("192.0.2.20", seen)]))
    french = new_case(state, report(state, "platform-a", ips=[("198.51.100.30", seen)]))
    route(state, german)
    route(state, french)
    assert _filtered(state, "DE") == [german]
    assert _filtered(state, "FR") == [french]
    # More German evidence: the German route is superseded by a new one; the rows follow.
    join(state, german, report(state, "platform-a", ips=[("192.0.2.20", seen)]))
    outcome = route(state, german)
    assert outcome.superseded and outcome.created
    with state.db.sessions() as session:
        rows = {(r.route_id, r.case_id, r.country) for r in session.scalars(select(RouteCountry))}
        active = {(r.id, r.case_id) for r in session.scalars(
            select(Route).where(Route.status == "active"))}
    assert {(route_id, case_id) for route_id, case_id, _ in rows} == active
    assert {(case_id, country) for _, case_id, country in rows} == {(german, "DE"),
                                                                    (french, "FR")}
    assert _filtered(state, "DE") == [german]


def test_migration_0011_fills_route_countries_of_earlier_routes(db_url: str) -> None:
    db = Database(db_url)
    try:
        downgrade(db, "0009")  # the revision before 0011
        with db.engine.begin() as conn:
            now = utcnow()
            conn.execute(text(
                "INSERT INTO agencies (id, code, name, countries, channel, delivery_method,"
                " contact, active, created_at, updated_at) VALUES (1, 'DE-BKA', 'BKA',"
                " '[\"DE\"]', 'direct', 'pull', '', true, :now, :now)"), {"now": now})
            conn.execute(text(
                "INSERT INTO cases (id, status, created_at, updated_at, summary,"
                " priority_reasons) VALUES (7, 'open', :now, :now, '{}', '[]')"), {"now": now})
            conn.execute(text(
                "INSERT INTO routes (id, case_id, agency_id, reasons, channel_chain,"
                " deadline_basis, at_risk, status, computed_at) VALUES (3, 7, 1, :reasons,"
                " '[]', '{}', false, 'active', :now)"),
                {"now": now, "reasons": '[{"country": "DE", "text": "DE: ip"}, '
                                        '{"country": "AT", "text": "AT: ip"}, {"text": "?"}]'})
            conn.execute(text(  # superseded: its countries are not the case's any more
                "INSERT INTO routes (id, case_id, agency_id, reasons, channel_chain,"
                " deadline_basis, at_risk, status, computed_at) VALUES (4, 7, 1,"
                " '[{\"country\": \"FR\"}]', '[]', '{}', false, 'superseded', :now)"),
                {"now": now})
        upgrade(db)
        with db.sessions() as session:
            rows = {(r.route_id, r.country, r.case_id)
                    for r in session.scalars(select(RouteCountry))}
        assert rows == {(3, "AT", 7), (3, "DE", 7)}
    finally:
        upgrade(db)
        db.dispose()
