"""The takedown worker: one step at a time, it takes in new report URLs, places hosts,
plans (re-)notices, sends one due notice and re-checks a batch of due URLs. Slow parts (DNS,
SMTP, HTTP) run outside transactions; the clock is injected, so tests compress days."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from tipline.db import Database, table_of, utcnow
from tipline.delivery.http_client import OutboundClient
from tipline.delivery.worker import outbound_policy
from tipline.routing.geo import CountryLookup, IptoccLookup, Resolver, SystemResolver
from tipline.settings import Settings
from tipline.takedown import service, store
from tipline.takedown.checker import Checker
from tipline.takedown.models import Notice, TakedownUrl
from tipline.takedown.notify import NoticeFailed, NoticeSender, Outgoing
from tipline.workqueue.queue import Backoff, LeasedQueue, QueueTable, Retry

log = logging.getLogger(__name__)
CHANNEL = "takedown"
NOTICES = QueueTable(table_of(Notice), key="id", ready=("queued",), done="sent",
                     dead="failed", carry=("channel", "contact", "subject", "body", "url_id"))
NOTICE_BACKOFF = Backoff(30.0, 3600.0, jitter=True)
BATCH = 200
NOTICES_PER_ROUND = 50
TAKE_IN_WINDOW = 10_000  # ids: far more than intake writes while one transaction is open
FULL_SWEEP_ROUNDS = 5_000  # idle rounds between two sweeps of every identifier


class TakedownWorker:
    channels = (CHANNEL,)

    def __init__(self, db: Database, policy: service.Policy, resolver: Resolver,
                 lookup: CountryLookup, sender: NoticeSender, checker: Checker,
                 max_attempts: int = 12, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db, self.policy = db, policy
        self.resolver, self.lookup = resolver, lookup
        self.sender, self.checker = sender, checker
        self.clock = clock
        self.rounds_since_sweep = FULL_SWEEP_ROUNDS  # a process starts with a full sweep
        self.notices = LeasedQueue(db, NOTICES, Retry(max_attempts, NOTICE_BACKOFF, 120.0),
                                   clock=clock, on_dead=self._given_up)

    def run_one(self) -> bool:
        """One round of every kind of work; False when there was none."""
        steps = (self.take_in, self.locate, self.plan_notices, self.send_notice, self.recheck)
        return any([step() for step in steps])

    def run_until_idle(self, max_rounds: int = 10_000) -> int:
        rounds = 0
        while rounds < max_rounds and self.run_one():
            rounds += 1
        return rounds

    def release_all_leases(self) -> int:
        return self.notices.release_all_leases()

    def close(self) -> None:
        self.checker.close()

    def take_in(self) -> bool:
        """Report URLs not yet taken in. Most rounds look only at the newest identifiers
        (`TAKE_IN_WINDOW` ids below the last taken in: a primary-key range, which still
        catches an intake transaction that committed out of id order); a process's first
        round, and every `FULL_SWEEP_ROUNDS` idle rounds, look at all of them."""
        sweep = self.rounds_since_sweep >= FULL_SWEEP_ROUNDS
        with self.db.sessions() as session:  # idle rounds only read: no write lock taken
            after = 0 if sweep else max(0, store.last_taken_in(session) - TAKE_IN_WINDOW)
            if not store.new_report_urls(session, 1, after):
                self.rounds_since_sweep = 0 if sweep else self.rounds_since_sweep + 1
                return False
        with self.db.transaction() as session:
            return service.take_in_report_urls(session, self.policy.allow_loopback,
                                               self.clock(), after) > 0

    def locate(self) -> bool:
        with self.db.sessions() as session:
            hosts = {u.id: u.host for u in store.unlocated(session, BATCH)}
        if not hosts:
            return False
        answers = {host: self._addresses(host) for host in set(hosts.values())}
        with self.db.transaction() as session:
            providers = store.providers(session)
            for url_id, row in store.by_ids(session, list(hosts)).items():
                if row.located_at is None:
                    service.place(session, row, answers[hosts[url_id]], self.lookup,
                                  providers, self.clock())
        return True

    def _addresses(self, host: str) -> list[str]:
        try:  # an IP literal needs no DNS
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            return self.resolver.resolve(host)

    def plan_notices(self) -> bool:
        now = self.clock()
        due = (TakedownUrl.status.in_(("illegal", "noticed")),
               TakedownUrl.located_at.is_not(None))
        with self.db.sessions() as session:
            if not store.due(session, TakedownUrl.next_notice_at, now, 1, *due):
                return False
        with self.db.transaction() as session:
            rows = store.due(session, TakedownUrl.next_notice_at, now, BATCH, *due)
            for row in rows:
                service.plan_notice(session, row, self.policy, now)
            return bool(rows)

    def send_notice(self) -> bool:
        """Send up to `NOTICES_PER_ROUND` due notices, one lease each."""
        sent = 0
        while sent < NOTICES_PER_ROUND and self._send_one():
            sent += 1
        return sent > 0

    def _send_one(self) -> bool:
        with self.db.sessions() as session:  # a read first: claiming takes the write lock
            if not store.notice_due(session, self.clock()):
                return False
        lease = self.notices.claim()
        if lease is None:
            return False
        data = lease.data
        with self.db.sessions() as session:
            url = service.url(session, data["url_id"]).url
        outgoing = Outgoing(lease.key, data["channel"], data["contact"], data["subject"],
                            data["body"], url)
        try:
            answer = self.sender.send(outgoing)
        except NoticeFailed as exc:
            error = str(exc)
            self.notices.fail(lease, error, lambda s: self._note(s, lease.key, data, error,
                                                                 "notice_failed"))
            return True
        self.notices.complete(lease, lambda s: self._sent(s, lease.key, data, answer))
        return True

    def _sent(self, session: Session, notice_id: int, data: Mapping[str, Any], answer: str
              ) -> dict[str, object]:
        self._note(session, notice_id, data, answer, "notice_sent")
        return {"sent_at": self.clock()}

    def _note(self, session: Session, notice_id: int, data: Mapping[str, Any], what: str,
              kind: str) -> None:
        service.event(session, int(str(data["url_id"])), kind, f"notice {notice_id}: {what}",
                      self.clock())

    def _given_up(self, session: Session, lease: object, error: str) -> None:
        data = getattr(lease, "data", {})
        service.event(session, int(data["url_id"]), "notice_given_up",
                      f"notice {getattr(lease, 'key', '?')}: {error}", self.clock())

    def recheck(self) -> bool:
        now = self.clock()
        with self.db.sessions() as session:
            due = {u.id: u.url for u in store.due(session, TakedownUrl.next_check_at, now,
                                                  BATCH, TakedownUrl.status == "noticed")}
        if not due:
            return False
        seen = self.checker.check_many(list(due.values()))
        with self.db.transaction() as session:
            rows = store.by_ids(session, list(due))
            for url_id, result in zip(due, seen, strict=True):
                if url_id in rows:
                    service.record_check(session, rows[url_id], result.seen, result.detail,
                                         self.policy, self.clock())
        return True


class NoLookups:
    """DNS switched off (`TIPLINE_TAKEDOWN_RESOLVE_HOSTS=false`): names are not looked up."""

    names = False

    def resolve(self, host: str) -> list[str]:
        return []


def build_worker(db: Database, settings: Settings, resolver: Resolver | None = None,
                 lookup: CountryLookup | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> TakedownWorker:
    """The worker as `tipline serve`, `tipline worker` and the CLI run it (tests inject a
    resolver, a lookup and a clock)."""
    if resolver is None:
        resolver = SystemResolver(settings.routing_dns_timeout_seconds) \
            if settings.takedown_resolve_hosts else None
    resolver = resolver or NoLookups()
    sender = NoticeSender(settings.takedown_smtp_host, settings.takedown_smtp_port,
                          settings.takedown_sender, f"{settings.secret_key}:takedown-webhook",
                          lambda: OutboundClient(outbound_policy(settings)))
    checker = Checker(resolver, settings.takedown_check_timeout_seconds,
                      settings.outbound_allow_loopback, settings.takedown_check_concurrency,
                      resolve_names=getattr(resolver, "names", True))
    return TakedownWorker(db, service.policy_from(settings), resolver,
                          lookup or IptoccLookup(), sender, checker,
                          settings.takedown_notice_max_attempts, clock)
