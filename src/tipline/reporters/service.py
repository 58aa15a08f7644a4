from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.reporters import rules, store
from tipline.reporters.models import Reporter
from tipline.reporters.schemas import ReporterCreate


class ReporterExists(ValueError):
    pass


def create_reporter(session: Session, data: ReporterCreate, actor: Actor) -> Reporter:
    if data.kind not in rules.REPORTER_KINDS:
        raise ValueError(f"unknown reporter kind {data.kind!r}: use one of {rules.REPORTER_KINDS}")
    rules.check_new_password(data.password)
    if store.by_username(session, data.username) or store.by_name(session, data.name):
        raise ReporterExists(f"a reporter named {data.name!r} or {data.username!r} exists")
    reporter = Reporter(
        name=data.name,
        kind=data.kind,
        country=data.country.upper() if data.country else None,
        username=data.username,
        password_hash=rules.hash_password(data.password),
    )
    session.add(reporter)
    session.flush()
    record(session, actor, "reporter.create", "reporter", reporter.id, username=data.username)
    return reporter


@dataclass(frozen=True)
class AuthenticatedReporter:
    id: int
    name: str
    username: str
    country: str | None


class CredentialCache:
    """Remembers recently verified credentials so that each API call does not pay for scrypt.

    Keys are an HMAC of username and password under a per-process secret, so the cache never
    holds a password, and a changed password misses the cache.
    """

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._secret = hashlib.sha256(str(time.time_ns()).encode()).digest()
        self._entries: dict[bytes, tuple[float, AuthenticatedReporter]] = {}
        self._lock = threading.Lock()

    def _key(self, username: str, password: str) -> bytes:
        return hmac.new(self._secret, f"{username}\0{password}".encode(), "sha256").digest()

    def get(self, username: str, password: str) -> AuthenticatedReporter | None:
        key = self._key(username, password)
        with self._lock:
            hit = self._entries.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, username: str, password: str, reporter: AuthenticatedReporter) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[self._key(username, password)] = (time.monotonic() + self.ttl, reporter)


def authenticate(
    session: Session, username: str, password: str, cache: CredentialCache
) -> AuthenticatedReporter | None:
    cached = cache.get(username, password)
    if cached:
        return cached
    reporter = store.by_username(session, username)
    if reporter is None or not reporter.active:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        rules.verify_password(password, _DUMMY_HASH)
        return None
    if not rules.verify_password(password, reporter.password_hash):
        return None
    found = AuthenticatedReporter(reporter.id, reporter.name, reporter.username, reporter.country)
    cache.put(username, password, found)
    return found


_DUMMY_HASH = rules.hash_password("not-a-real-password-for-timing")
