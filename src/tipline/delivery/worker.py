"""The delivery worker: pushes queued packages to webhook agencies, on the work queue.

A worker claims one due outbox row (`deliveries`) with a lease, counting the attempt at claim (a
crash mid-send was an attempt too), builds the signed package, sends it outside any transaction,
and records the outcome in a transaction guarded by the lease. A worker that dies mid-send
leaves a lease that expires; the next worker re-sends with the same `Idempotency-Key`, so the
receiver still applies the case once. Retries back off exponentially with jitter, faster as the
case's deadline nears; after the last attempt the delivery is a dead letter with an alert, and
so is one whose destination the address policy refuses, at once (retrying cannot help). Many
workers may run (threads here, `tipline deliver` processes elsewhere).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.db import Database, table_of, utcnow
from tipline.delivery import packages, service, store
from tipline.delivery.http_client import (
    OutboundClient,
    OutboundError,
    OutboundPolicy,
    OutboundRefused,
)
from tipline.delivery.models import Delivery
from tipline.delivery.rules import AckResult, judge_ack, near_deadline, sign
from tipline.routing.models import Route
from tipline.settings import Settings
from tipline.workqueue.queue import Backoff, Lease, LeasedQueue, QueueTable, Retry
from tipline.workqueue.serve import run_until_idle

log = logging.getLogger(__name__)

DELIVERIES = table_of(Delivery)
# The outbox has no lease token: a claim's (attempts, lease_until) pair identifies its lease.
OUTBOX = QueueTable(DELIVERIES, key="id", ready=("pending",), done="acknowledged", dead="dead",
                    available_at="next_attempt_at", lease_token=None, count_at_claim=True)
# Pull agencies fetch their own packages; only webhook deliveries are pushed.
WEBHOOK_ONLY = DELIVERIES.c.agency_id.in_(
    select(Agency.id).where(Agency.delivery_method == "webhook").scalar_subquery())


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


def retry_policy(settings: Settings) -> Retry:
    backoff = Backoff(settings.delivery_backoff_base_seconds,
                      settings.delivery_backoff_max_seconds, jitter=True)
    return Retry(settings.delivery_max_attempts, backoff, settings.delivery_lease_seconds)


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
    channels = (service.CHANNEL,)

    def __init__(self, db: Database, client: Callable[[], OutboundClient], retry: Retry,
                 rng: random.Random | None = None) -> None:
        self.db = db
        self._new_client = client  # made at the first send: most processes never send
        self.retry = retry
        self.queue = LeasedQueue(db, OUTBOX, retry, shorten=self._near_deadline,
                                 on_dead=_dead_letter, rng=rng)

    @cached_property
    def client(self) -> OutboundClient:
        return self._new_client()

    def close(self) -> None:
        client = self.__dict__.pop("client", None)
        if client is not None:
            client.close()

    def claim(self) -> Lease | None:
        return self.queue.claim(WEBHOOK_ONLY)

    def run_one(self) -> bool:
        """Claim and attempt one delivery. False when nothing was due."""
        lease = self.claim()
        if lease is None:
            return False
        try:
            outgoing = self._prepare(lease)
            if outgoing is None:
                return True
            result = self._send(outgoing)
        except Exception as exc:  # a broken package must not stop the worker
            log.exception("delivery %s failed before sending", lease.key)
            result = AckResult(False, {}, f"{type(exc).__name__}: {exc}")
        self._finish(lease, result)
        return True

    def _prepare(self, lease: Lease) -> Outgoing | None:
        now = self.queue.clock()
        with self.db.transaction() as session:
            delivery = session.get(Delivery, lease.key)
            if delivery is None or not self.queue.holds(session, lease):
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
        except OutboundRefused as exc:  # the policy will refuse it next time too
            return AckResult(False, {"refused": True}, f"the outbound address policy refuses "
                             f"this destination, so it is not retried: {exc}", final=True)
        except OutboundError as exc:
            return AckResult(False, {}, f"{type(exc).__name__}: {exc}")
        return judge_ack(response.status, response.body)

    def _finish(self, lease: Lease, result: AckResult) -> None:
        if result.ok:
            self.queue.complete(lease, partial(_acknowledged, lease, result))
        else:
            self.queue.fail(lease, result.error or "failed",
                            partial(_note_response, lease, result), final=result.final)

    def _near_deadline(self, session: Session, lease: Lease, wait: float) -> float:
        """Retry sooner as the case's deadline nears (`rules.near_deadline`)."""
        delivery = session.get(Delivery, lease.key)
        route = session.get(Route, delivery.route_id) if delivery else None
        left = (route.deadline - self.queue.clock()).total_seconds() \
            if route and route.deadline else None
        return near_deadline(wait, self.retry.backoff.base, left)

    def run_until_idle(self, max_steps: int = 1_000_000) -> int:
        return run_until_idle(self.run_one, max_steps)

    def release_all_leases(self) -> int:
        """Embedded single-process mode only (see `LeasedQueue.release_all_leases`)."""
        return self.queue.release_all_leases()


def _acknowledged(lease: Lease, result: AckResult, session: Session) -> None:
    delivery = session.get(Delivery, lease.key)
    if delivery is not None:
        service.record_ack(session, delivery, {"via": "webhook", **result.detail}, utcnow())


def _note_response(lease: Lease, result: AckResult, session: Session) -> None:
    delivery = session.get(Delivery, lease.key)
    if delivery is not None:
        delivery.ack_detail = {**delivery.ack_detail, "last_response": result.detail}


def _dead_letter(session: Session, lease: Lease, error: str) -> None:
    """The last attempt failed: a dead letter, with an alert for the operators."""
    delivery = session.get(Delivery, lease.key)
    agency = store.agency(session, delivery.agency_id) if delivery else None
    if delivery is not None and agency is not None:
        service.dead_letter(session, delivery, agency, error)


def build_worker(db: Database, settings: Settings, **kwargs: Any) -> DeliveryWorker:
    return DeliveryWorker(db, partial(OutboundClient, outbound_policy(settings)),
                          retry_policy(settings), **kwargs)
