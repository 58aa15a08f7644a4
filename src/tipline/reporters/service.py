from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.credentials import CredentialCache
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


def authenticate(
    session: Session, username: str, password: str, cache: CredentialCache[AuthenticatedReporter]
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
    found = authenticated(reporter)
    cache.put(username, password, found)
    return found


def authenticated(reporter: Reporter) -> AuthenticatedReporter:
    return AuthenticatedReporter(reporter.id, reporter.name, reporter.username, reporter.country)


_DUMMY_HASH = rules.hash_password("not-a-real-password-for-timing")
