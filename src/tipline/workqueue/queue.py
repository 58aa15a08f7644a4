"""A durable work queue with leases, over any table that has the queue's columns.

A worker claims one due row in a short transaction that sets a lease (PostgreSQL: `FOR UPDATE
SKIP LOCKED`, so many workers claim without contending; SQLite: one writer at a time). It does
the slow part of the work outside any transaction, then `complete`s or `fail`s in one
transaction that first re-checks and extends the lease: the caller's effects commit together
with the row's new state, or not at all. A worker that dies loses its lease when it expires and
another worker takes the row over; a worker that outlived its lease finds the re-check fails
and discards its work. Failures are retried with exponential backoff and become dead letters
after the last attempt.

The lease is identified by a random token when the table has a token column; otherwise by the
exact `lease_until` written at claim (and the attempt count, when attempts are counted at claim:
then every claim writes a different pair).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.orm import Session

from tipline.db import Database, utcnow

log = logging.getLogger(__name__)

ERROR_LIMIT = 4000


@dataclass(frozen=True, eq=False)
class QueueTable:
    """Where a queue lives: its table and the names of the queue's columns in it."""

    table: Table
    key: str
    ready: tuple[str, ...] = ("queued",)  # statuses a worker may claim
    done: str = "done"  # status of completed work
    dead: str = "failed"  # status of a dead letter
    status: str = "status"
    available_at: str = "available_at"
    attempts: str = "attempts"
    lease_token: str | None = "lease_token"
    lease_until: str = "lease_until"
    last_error: str = "last_error"
    carry: tuple[str, ...] = ()  # columns a claim hands to the worker (`Lease.data`)
    count_at_claim: bool = False  # a crash mid-work was an attempt too
    where: tuple[ColumnElement[bool], ...] = ()  # rows of the table that are this queue's

    def column(self, name: str) -> Any:
        return self.table.c[name]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: `base`, doubling per attempt, at most `cap`; with jitter a wait is
    drawn from the upper half, so retries of many rows spread out instead of arriving at once."""

    base: float = 2.0
    cap: float = 300.0
    jitter: bool = False

    def seconds(self, attempts: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** max(0, attempts - 1))
        return (rng or random).uniform(ceiling / 2, ceiling) if self.jitter else ceiling


@dataclass(frozen=True)
class Retry:
    max_attempts: int = 5
    backoff: Backoff = field(default_factory=Backoff)
    lease_seconds: float = 60.0


@dataclass(frozen=True)
class Lease:
    """A worker's hold on one row. `attempts` counts this attempt when the queue counts at
    claim, else the failures before it."""

    key: Any
    token: str | None
    until: dt.datetime
    attempts: int
    data: Mapping[str, Any] = field(default_factory=dict)


Effects = Callable[[Session], Mapping[str, Any] | None]
"""The caller's writes, run inside the completing transaction; may return column values."""
ShortenWait = Callable[[Session, Lease, float], float]
"""Given the backoff wait (seconds) of a failed attempt, the wait to use (e.g. near a deadline)."""
OnDead = Callable[[Session, Lease, str], None]
"""Runs in the transaction that turns a row into a dead letter (e.g. to raise an alert)."""


class LeasedQueue:
    def __init__(self, db: Database, table: QueueTable, retry: Retry, *,
                 shorten: ShortenWait | None = None, on_dead: OnDead | None = None,
                 clock: Callable[[], dt.datetime] = utcnow,
                 rng: random.Random | None = None) -> None:
        self.db, self.t, self.retry = db, table, retry
        self.shorten, self.on_dead = shorten, on_dead
        self.clock = clock
        self.rng = rng or random.Random()
        self.lease = dt.timedelta(seconds=retry.lease_seconds)

    def claim(self, *where: ColumnElement[bool]) -> Lease | None:
        """Lease the next due row (optionally only among rows matching `where`)."""
        t, now = self.t, self.clock()
        stmt = (
            select(t.column(t.key), t.column(t.attempts), *(t.column(c) for c in t.carry))
            .where(t.column(t.status).in_(t.ready), t.column(t.available_at) <= now,
                   *t.where, *where)
            .where(t.column(t.lease_until).is_(None) | (t.column(t.lease_until) < now))
            .order_by(t.column(t.available_at), t.column(t.key))
            .limit(1)
        )
        if not self.db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True, of=t.table)
        with self.db.transaction() as session:
            row = session.execute(stmt).first()
            if row is None:
                return None
            key, attempts = row[0], row[1] + (1 if t.count_at_claim else 0)
            lease = Lease(key, secrets.token_hex(16) if t.lease_token else None,
                          now + self.lease, attempts, dict(zip(t.carry, row[2:], strict=True)))
            values: dict[str, Any] = {t.lease_until: lease.until, t.attempts: attempts}
            if t.lease_token:
                values[t.lease_token] = lease.token
            session.execute(update(t.table).where(t.column(t.key) == key).values(values))
        return lease

    def holds(self, session: Session, lease: Lease) -> bool:
        """Whether the lease is still this worker's, in the caller's transaction."""
        key = self.t.column(self.t.key)
        found = session.execute(select(key).where(key == lease.key, *self._held(lease))).first()
        return found is not None

    def renew(self, lease: Lease) -> Lease | None:
        """Extend a lease still held (long work); None when it was lost."""
        with self.db.transaction() as session:
            return self._renew(session, lease)

    def complete(self, lease: Lease, effects: Effects | None = None) -> bool:
        """In one transaction guarded by the lease: run `effects` and mark the row done (or
        write the column values `effects` returns). False, with nothing written, when the
        lease was lost."""
        t = self.t
        with self.db.transaction() as session:
            if self._renew(session, lease) is None:
                log.warning("lease on %s %s lost; work discarded", t.table.name, lease.key)
                return False
            values = (effects(session) if effects else None) or {}
            session.flush()  # the caller's ORM writes first: the queue's columns win
            self._write(session, lease, {t.status: t.done, t.last_error: None, **values})
        return True

    def fail(self, lease: Lease, error: str, effects: Effects | None = None,
             final: bool = False) -> str | None:
        """Record a failed attempt, guarded by the lease: retried after a backoff, or a dead
        letter after the last attempt (or at once when `final`: retrying cannot help), or
        only noted when the row left the ready statuses while in flight. Returns "retry",
        "dead" or "dropped"; None when the lease was lost."""
        t = self.t
        with self.db.transaction() as session:
            if self._renew(session, lease) is None:
                log.warning("lease on %s %s lost; failure discarded", t.table.name, lease.key)
                return None
            extra = (effects(session) if effects else None) or {}
            session.flush()
            attempts = lease.attempts if t.count_at_claim else lease.attempts + 1
            values: dict[str, Any] = {t.attempts: attempts,
                                      t.last_error: error[:ERROR_LIMIT], **extra}
            if self._status(session, lease) not in t.ready:
                outcome = "dropped"
            elif final or attempts >= self.retry.max_attempts:
                outcome, values[t.status] = "dead", t.dead
                if self.on_dead:
                    self.on_dead(session, replace(lease, attempts=attempts), error)
            else:
                outcome = "retry"
                wait = self.retry.backoff.seconds(attempts, self.rng)
                if self.shorten:
                    wait = self.shorten(session, lease, wait)
                values[t.available_at] = self.clock() + dt.timedelta(seconds=wait)
            self._write(session, lease, values)
        return outcome

    def release_all_leases(self) -> int:
        """For the embedded single-process mode only: after a restart no other worker can hold
        a lease, so the dead process's leases are released at once instead of expiring."""
        t = self.t
        values: dict[str, Any] = {t.lease_until: None}
        if t.lease_token:
            values[t.lease_token] = None
        with self.db.transaction() as session:
            done = session.execute(
                update(t.table).where(t.column(t.status).in_(t.ready), *t.where,
                                      t.column(t.lease_until).is_not(None)).values(values))
            return int(getattr(done, "rowcount", 0) or 0)

    def _held(self, lease: Lease) -> list[ColumnElement[bool]]:
        t = self.t
        if t.lease_token:
            return [t.column(t.lease_token) == lease.token]
        held = [t.column(t.lease_until) == lease.until]
        if t.count_at_claim:
            held.append(t.column(t.attempts) == lease.attempts)
        return held

    def _renew(self, session: Session, lease: Lease) -> Lease | None:
        """Extend the lease if still held; on PostgreSQL this also locks the row until commit."""
        t = self.t
        until = self.clock() + self.lease
        done = session.execute(update(t.table)
                               .where(t.column(t.key) == lease.key, *self._held(lease))
                               .values({t.lease_until: until}))
        if getattr(done, "rowcount", 0) != 1:
            return None
        return replace(lease, until=until)

    def _status(self, session: Session, lease: Lease) -> str | None:
        t = self.t
        return session.scalar(select(t.column(t.status)).where(t.column(t.key) == lease.key))

    def _write(self, session: Session, lease: Lease, values: Mapping[str, Any]) -> None:
        t = self.t
        session.flush()  # ORM writes of hooks first, so the queue's columns win
        cleared: dict[str, Any] = {t.lease_until: None}
        if t.lease_token:
            cleared[t.lease_token] = None
        session.execute(update(t.table).where(t.column(t.key) == lease.key)
                        .values({**values, **cleared}))
