"""The delivery worker: pushes queued packages to webhook agencies, durably.

Like the pipeline runner, a worker claims one due outbox row with a short transaction that sets
a lease and counts the attempt, builds the signed package, sends it outside any transaction, and
records the outcome in a transaction that first re-checks the lease. A worker that dies mid-send
leaves a lease that expires; the next worker re-sends with the same `Idempotency-Key`, so the
receiver still applies the case once. Many workers may run (threads here, `tipline deliver`
processes elsewhere); on PostgreSQL `FOR UPDATE SKIP LOCKED` keeps them apart.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from tipline.db import Database, utcnow
from tipline.delivery import packages, service, store
from tipline.delivery.http_client import OutboundClient, OutboundError, OutboundPolicy
from tipline.delivery.models import Delivery
from tipline.delivery.rules import AckResult, judge_ack, retry_wait, sign
from tipline.pipeline.runner import poll_loop
from tipline.routing.models import Route
from tipline.settings import Settings

log = logging.getLogger(__name__)

_wake_events: set[threading.Event] = set()
_wake_lock = threading.Lock()


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    """A committed new delivery wakes in-process workers at once instead of at their next poll
    (time to desk is the point). The flag is set by `service.enqueue_for_route`."""
    if session.info.pop(service.ENQUEUED, False):
        with _wake_lock:
            for waker in _wake_events:
                waker.set()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(service.ENQUEUED, None)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    lease_until: dt.datetime
    attempts: int


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_base: float
    backoff_cap: float
    lease_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.delivery_max_attempts, settings.delivery_backoff_base_seconds,
                   settings.delivery_backoff_max_seconds, settings.delivery_lease_seconds)


def outbound_policy(settings: Settings) -> OutboundPolicy:
    return OutboundPolicy(
        allow_loopback=settings.outbound_allow_loopback,
        allow_http=settings.outbound_allow_loopback,
        connect_timeout=settings.outbound_connect_timeout_seconds,
        read_timeout=settings.outbound_read_timeout_seconds,
        total_timeout=settings.outbound_total_timeout_seconds,
        max_response_bytes=settings.outbound_max_response_bytes,
    )


class DeliveryWorker:
    def __init__(self, db: Database, client: OutboundClient, retry: RetryPolicy,
                 clock: Callable[[], dt.datetime] = utcnow,
                 rng: random.Random | None = None) -> None:
        self.db = db
        self.client = client
        self.retry = retry
        self.clock = clock
        self.rng = rng or random.Random()
        self.wake_event = threading.Event()

    def claim(self) -> Claim | None:
        now = self.clock()
        with self.db.transaction() as session:
            due = store.due(session, now, 1, lock=not self.db.is_sqlite)
            if not due:
                return None
            delivery = due[0]
            delivery.attempts += 1  # counted at claim: a crash mid-send was an attempt too
            delivery.lease_until = now + dt.timedelta(seconds=self.retry.lease_seconds)
            return Claim(delivery.id, delivery.lease_until, delivery.attempts)

    def run_one(self) -> bool:
        """Claim and attempt one delivery. False when nothing was due."""
        claim = self.claim()
        if claim is None:
            return False
        try:
            outgoing = self._prepare(claim)
            if outgoing is None:
                return True
            result = self._send(outgoing)
        except Exception as exc:  # a broken package must not stop the worker
            log.exception("delivery %s failed before sending", claim.delivery_id)
            result = AckResult(False, {}, f"{type(exc).__name__}: {exc}")
        self._finish(claim, result)
        return True

    def _prepare(self, claim: Claim) -> Outgoing | None:
        now = self.clock()
        with self.db.transaction() as session:
            delivery = session.get(Delivery, claim.delivery_id)
            if delivery is None or not _holds(delivery, claim):
                return None
            try:
                package = service.package_for(session, delivery)
            except service.StalePackage:
                return None  # superseded, and the new version queued, in this transaction
            agency = package.agency
            if not agency.endpoint_url or not agency.signing_secret:
                raise ValueError(f"webhook agency {agency.code} has no endpoint or secret")
            document = packages.json_document(package, now)
            document["links"] = {
                "xml": f"/api/v1/agencies/me/deliveries/{delivery.id}/package.xml",
                "bundle": f"/api/v1/agencies/me/deliveries/{delivery.id}/bundle",
                "ack": f"/api/v1/agencies/me/deliveries/{delivery.id}/ack"}
            body = packages.canonical_json(document)
            headers = {
                "Content-Type": "application/json",
                "X-Tipline-Signature": sign(agency.signing_secret, int(time.time()), body),
                "Idempotency-Key": delivery.idempotency_key,
                "X-Tipline-Case": str(delivery.case_id),
                "X-Tipline-Version": delivery.case_version,
                "X-Tipline-Delivery": str(delivery.id),
            }
            if package.previous_version:
                headers["X-Tipline-Previous-Version"] = package.previous_version
            return Outgoing(agency.endpoint_url, body, headers)

    def _send(self, outgoing: Outgoing) -> AckResult:
        try:
            response = self.client.post(outgoing.url, outgoing.body, outgoing.headers)
        except OutboundError as exc:
            return AckResult(False, {}, f"{type(exc).__name__}: {exc}")
        return judge_ack(response.status, response.body)

    def _finish(self, claim: Claim, result: AckResult) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            delivery = session.get(Delivery, claim.delivery_id)
            if delivery is None or not _holds(delivery, claim):
                log.warning("lease on delivery %s lost; outcome discarded", claim.delivery_id)
                return
            if result.ok:
                service.record_ack(session, delivery, {"via": "webhook", **result.detail}, now)
                return
            error = result.error or "failed"
            delivery.ack_detail = {**delivery.ack_detail, "last_response": result.detail}
            if delivery.status != "pending":  # superseded while in flight: nothing to retry
                delivery.lease_until, delivery.last_error = None, error
            elif claim.attempts >= self.retry.max_attempts:
                agency = store.agency(session, delivery.agency_id)
                if agency is not None:
                    service.dead_letter(session, delivery, agency, error)
            else:
                route = session.get(Route, delivery.route_id)
                left = (route.deadline - now).total_seconds() if route and route.deadline \
                    else None
                wait = retry_wait(claim.attempts, self.retry.backoff_base,
                                  self.retry.backoff_cap, left, self.rng)
                delivery.next_attempt_at = now + dt.timedelta(seconds=wait)
                delivery.lease_until, delivery.last_error = None, error

    def run_until_idle(self, max_steps: int = 1_000_000) -> int:
        steps = 0
        while steps < max_steps and self.run_one():
            steps += 1
        return steps

    def release_all_leases(self) -> None:
        """Embedded single-process mode only: no other worker can hold a lease after a restart."""
        with self.db.transaction() as session:
            for delivery in store.leased(session):
                delivery.lease_until = None

    def serve(self, stop: threading.Event, poll_seconds: float) -> None:
        with _wake_lock:
            _wake_events.add(self.wake_event)
        try:
            poll_loop(self.run_one, stop, self.wake_event, poll_seconds, "delivery worker")
        finally:
            with _wake_lock:
                _wake_events.discard(self.wake_event)


def _holds(delivery: Delivery, claim: Claim) -> bool:
    return delivery.attempts == claim.attempts and delivery.lease_until == claim.lease_until


class BackgroundDelivery:
    """Delivery workers in threads inside the server process (embedded default). Several
    threads, so one slow agency cannot hold up the others."""

    def __init__(self, worker: DeliveryWorker, poll_seconds: float, threads: int = 4) -> None:
        self.worker = worker
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=worker.serve, args=(self.stop_event, poll_seconds),
                                         name=f"delivery-{i}", daemon=True)
                        for i in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        with _wake_lock:
            for waker in _wake_events:
                waker.set()
        for thread in self.threads:
            thread.join(timeout=10)
        self.worker.client.close()


def build_worker(db: Database, settings: Settings, **kwargs: Any) -> DeliveryWorker:
    return DeliveryWorker(db, OutboundClient(outbound_policy(settings)),
                          RetryPolicy.from_settings(settings), **kwargs)
