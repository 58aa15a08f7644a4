"""The three users of the leased work queue, behind one face, so every queue test runs
through each of them: the pipeline (`pipeline_jobs`, a lease token, attempts counted on
failure), delivery (`deliveries`, no token, attempts counted at claim, deadline-aware waits,
dead letters with an alert) and the generic work items (`work_items`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from agency_server import AgencyServer
from staff_support import add_report
from tipline.agencies.models import Agency
from tipline.audit.models import AuditEvent
from tipline.audit.service import Actor, record
from tipline.cases.models import Case, CaseReport
from tipline.db import Executor, utcnow
from tipline.delivery.http_client import OutboundClient
from tipline.delivery.service import CHANNEL as DELIVERY_CHANNEL
from tipline.delivery.service import enqueue_for_route
from tipline.delivery.worker import DELIVERIES, DeliveryWorker, outbound_policy
from tipline.pipeline.runner import CHANNEL as PIPELINE_CHANNEL
from tipline.pipeline.runner import JOBS, PipelineRunner
from tipline.pipeline.stage import Stage
from tipline.reporters.models import Reporter
from tipline.routing.models import Route
from tipline.state import AppState
from tipline.workqueue import items
from tipline.workqueue.queue import Lease, Retry

from support import add_reporter

ACTOR = Actor("test")
SECRET = "test-agency-signing-secret"
DOC = {"incidentSummary": {"incidentType": "Child Pornography (possession, manufacture, and "
                           "distribution)", "incidentDateTime": "2026-01-01T10:00:00Z"},
       "reporter": {"reportingPerson": {"email": "safety@example.org"}}}
ITEM_QUEUE = "test-queue"


def note(session: Session, key: object) -> None:
    """The effect of one unit of work: one audit event, so double effects are countable."""
    record(session, ACTOR, "test.effect", "work", str(key))


def effects(state: AppState) -> int:
    with state.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "test.effect")) or 0)


@dataclass
class Control:
    """Makes the users' real work fail: a raising stage or handler (after writing its effect,
    which must be rolled back), a webhook answering 500."""

    agency: AgencyServer
    failing: bool = False

    def fail(self, failing: bool = True) -> None:
        self.failing = failing
        self.agency.mode = "error500" if failing else "ok"

    def work(self, session: Session, key: object) -> None:
        note(session, key)
        if self.failing:
            raise RuntimeError("disk on fire")


@dataclass
class User:
    """One user of the queue: how to queue work, build its worker, and read its rows."""

    name: str
    table: Table
    key: str
    channel: str
    ready: str
    done: str
    dead: str
    count_at_claim: bool
    executors: tuple[str, ...]  # what `add` may run on: "session", "connection"
    setup: Callable[[AppState], Any]  # what the work is about, committed beforehand
    add: Callable[[AppState, Executor, Any], Any]  # queue it in the caller's transaction
    worker: Callable[[AppState, Retry, Control], Any]
    failure: str  # the last error a failing attempt leaves

    def queue_one(self, state: AppState, on: str = "session", commit: bool = True) -> Any:
        """Queue one unit of work in its own transaction; its key (None when rolled back)."""
        about = self.setup(state)
        opened = state.db.transaction() if on == "session" else state.db.core_transaction()
        try:
            with opened as executor:
                key = self.add(state, executor, about)
                if not commit:
                    raise Rollback
        except Rollback:
            return None
        return key

    def claim(self, worker: Any) -> Lease | None:
        lease: Lease | None = worker.claim()
        return lease

    def row(self, state: AppState, key: object) -> dict[str, Any]:
        with state.db.sessions() as session:
            found = session.execute(select(self.table).where(self.table.c[self.key] == key))
            return dict(found.mappings().one())

    def expire(self, state: AppState, key: object) -> None:
        """The lease runs out (instead of sleeping through it)."""
        with state.db.transaction() as session:
            session.execute(update(self.table).where(self.table.c[self.key] == key)
                            .values(lease_until=utcnow() - dt.timedelta(seconds=1)))

    def make_available(self, state: AppState, key: object) -> None:
        """Skip a backoff delay instead of sleeping through it."""
        column = "next_attempt_at" if self.name == "delivery" else "available_at"
        with state.db.transaction() as session:
            session.execute(update(self.table).where(self.table.c[self.key] == key)
                            .values({column: utcnow() - dt.timedelta(seconds=1)}))

    def available_at(self, row: dict[str, Any]) -> dt.datetime:
        value: dt.datetime = row["next_attempt_at" if self.name == "delivery" else "available_at"]
        return value


class Rollback(Exception):
    pass


# --- pipeline -------------------------------------------------------------------------------

def _report(state: AppState) -> int:
    report_id, _ = add_report(state, _reporter(state), document=DOC, finished_at=utcnow())
    return report_id


def _add_job(state: AppState, executor: Executor, report_id: int) -> int:
    state.runner.enqueue(executor, report_id)
    return report_id


def _pipeline_worker(state: AppState, retry: Retry, control: Control) -> PipelineRunner:
    def apply(session: Session, report_id: int, _prepared: object) -> None:
        control.work(session, report_id)

    return PipelineRunner(state.db, [Stage(state.runner.first_stage, "test stage", apply)],
                          lease_seconds=retry.lease_seconds, max_attempts=retry.max_attempts)


# --- delivery -------------------------------------------------------------------------------

def _route(state: AppState) -> int:
    """A case of one report, routed to the test agency (the worker adds the agency)."""
    report_id = _report(state)
    with state.db.transaction() as session:
        agency_id = session.scalar(select(Agency.id).where(Agency.code == "TEST-AGENCY"))
        assert agency_id is not None, "build the delivery worker first"
        case = Case(status="open", summary={})
        session.add(case)
        session.flush()
        session.add(CaseReport(report_id=report_id, case_id=case.id, linked_by=[]))
        route = Route(case_id=case.id, agency_id=agency_id, reasons=["ip in DE"],
                      channel_chain=["direct"], deadline=utcnow() + dt.timedelta(days=7))
        session.add(route)
        session.flush()
        return route.id


def _add_delivery(_state: AppState, executor: Executor, route_id: int) -> int:
    assert isinstance(executor, Session)
    route = executor.get(Route, route_id)
    assert route is not None
    delivery = enqueue_for_route(executor, route)
    assert delivery is not None
    return delivery.id


def _delivery_worker(state: AppState, retry: Retry, control: Control) -> DeliveryWorker:
    agency = control.agency
    with state.db.transaction() as session:
        if session.scalar(select(Agency.id).where(Agency.code == "TEST-AGENCY")) is None:
            session.add(Agency(code="TEST-AGENCY", name="Test agency", countries=["DE"],
                               channel="direct", delivery_method="webhook",
                               endpoint_url=agency.url, signing_secret=SECRET))
    policy = outbound_policy(state.settings)
    return DeliveryWorker(state.db, lambda: OutboundClient(policy), retry)


# --- work items -----------------------------------------------------------------------------

def _item_key(_state: AppState) -> str:
    return f"case-{next(_item_keys)}"


def _add_item(_state: AppState, executor: Executor, key: str) -> int:
    items.enqueue(executor, ITEM_QUEUE, key, {"why": "test"})
    conn = executor.connection() if isinstance(executor, Session) else executor
    found = conn.scalar(select(items.ITEMS.c.id).where(items.ITEMS.c.key == key,
                                                       items.ITEMS.c.status == "queued"))
    assert found is not None
    return int(found)


def _item_worker(state: AppState, retry: Retry, control: Control) -> items.ItemWorker:
    def handle(session: Session, item: items.Item) -> None:
        control.work(session, item.id)

    return items.ItemWorker(state.db, retry, {ITEM_QUEUE: handle})


_item_keys = iter(range(1, 1_000_000))


def _reporter(state: AppState) -> str:
    with state.db.sessions() as session:
        if session.scalar(select(Reporter.id).where(Reporter.username == "queue-test")):
            return "queue-test"
    return add_reporter(state, "queue-test")[0]


USERS = {
    "pipeline": User("pipeline", JOBS, "report_id", PIPELINE_CHANNEL, "queued", "done", "failed",
                     False, ("session", "connection"), _report, _add_job, _pipeline_worker,
                     "RuntimeError: disk on fire"),
    "delivery": User("delivery", DELIVERIES, "id", DELIVERY_CHANNEL, "pending", "acknowledged",
                     "dead", True, ("session",), _route, _add_delivery, _delivery_worker,
                     "HTTP 500"),
    "items": User("items", items.ITEMS, "id", items.channel(ITEM_QUEUE), "queued", "done",
                  "dead", True, ("session", "connection"), _item_key, _add_item, _item_worker,
                  "RuntimeError: disk on fire"),
}
