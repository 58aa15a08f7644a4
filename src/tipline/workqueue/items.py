"""The generic work queue: later work is queued here rather than called.

Any transaction (an ORM `Session` or a bare `Connection`) can `enqueue(executor, queue, key,
payload)`; the item commits with the transaction that asked for it. An `ItemWorker` dispatches
each queue name to the handler registered for it at the composition root (`tipline.state`). A
handler runs inside the transaction that completes the item, so its effects commit exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tipline.db import Database, Executor, connection_of, table_of, utcnow
from tipline.workqueue.models import PENDING, WorkItem
from tipline.workqueue.queue import Lease, LeasedQueue, QueueTable, Retry
from tipline.workqueue.serve import run_until_idle
from tipline.workqueue.wake import wake_after_commit

log = logging.getLogger(__name__)

ITEMS = table_of(WorkItem)
ITEMS_QUEUE = QueueTable(ITEMS, key="id", ready=(PENDING,), dead="dead",
                         carry=("queue", "key", "payload", "requested_at"), count_at_claim=True)


@dataclass(frozen=True)
class Item:
    id: int
    queue: str
    key: str
    payload: dict[str, Any]
    attempts: int


Handler = Callable[[Session, Item], None]
"""Does one item's work in the caller's (completing) transaction; raises to retry later."""


def channel(queue: str) -> str:
    return f"work_items:{queue}"


def enqueue(executor: Executor, queue: str, key: str,
            payload: Mapping[str, Any] | None = None) -> None:
    """Queue work in the caller's transaction. Asking again while an item of this queue and key
    is pending adds nothing (the first payload stays); when that item is already running, it
    runs once more after it completes, so work asked for after its handler read the state is
    not lost."""
    conn = connection_of(executor)
    now = utcnow()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(ITEMS).values(
        queue=queue, key=key, payload=dict(payload or {}), status=PENDING, attempts=0,
        available_at=now, enqueued_at=now, requested_at=now,
    ).on_conflict_do_update(
        index_elements=[ITEMS.c.queue, ITEMS.c.key], index_where=ITEMS.c.status == PENDING,
        set_={"requested_at": now},
    )
    conn.execute(stmt)
    wake_after_commit(executor, channel(queue))


class ItemWorker:
    def __init__(self, db: Database, retry: Retry,
                 handlers: Mapping[str, Handler] | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.queue = LeasedQueue(db, ITEMS_QUEUE, retry, clock=clock)
        self.clock = clock

    def register(self, queue: str, handler: Handler) -> None:
        """Serve `queue` with `handler` (at the composition root, before serving starts)."""
        self.handlers[queue] = handler

    @property
    def channels(self) -> list[str]:
        return [channel(queue) for queue in self.handlers]

    def claim(self) -> Lease | None:
        """Lease the next due item of a registered queue."""
        if not self.handlers:
            return None
        return self.queue.claim(ITEMS.c.queue.in_(list(self.handlers)))

    def run_one(self) -> bool:
        """Claim and handle one item of a registered queue. False when none was due."""
        lease = self.claim()
        if lease is None:
            return False
        item = Item(lease.key, lease.data["queue"], lease.data["key"], lease.data["payload"],
                    lease.attempts)
        try:
            self.queue.complete(lease, lambda session: self._handle(session, item, lease))
        except Exception as exc:  # a failing handler must not stop the worker
            log.exception("work item %s (%s %s) failed", item.id, item.queue, item.key)
            self.queue.fail(lease, f"{type(exc).__name__}: {exc}")
        return True

    def _handle(self, session: Session, item: Item, lease: Lease) -> dict[str, Any]:
        self.handlers[item.queue](session, item)
        now = self.clock()
        requested = session.scalar(select(ITEMS.c.requested_at).where(ITEMS.c.id == item.id))
        if requested != lease.data["requested_at"]:  # asked for again while running
            return {"status": PENDING, "available_at": now, "attempts": 0}
        return {"finished_at": now}

    def run_until_idle(self, max_steps: int = 1_000_000) -> int:
        return run_until_idle(self.run_one, max_steps)

    def release_all_leases(self) -> int:
        return self.queue.release_all_leases()
