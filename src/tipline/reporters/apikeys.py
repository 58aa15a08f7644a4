"""API keys of reporter organisations: hashed, scoped, expiring, revocable. Never commits.

A key reads `tl_<prefix>_<secret>`: the prefix (public) finds the row, the SHA-256 of the whole
key is compared in constant time. The key itself is shown once, when it is made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.db import utcnow
from tipline.errors import Invalid, NotFound
from tipline.reporters.models import ApiKey, Reporter

# `report`: the CyberTipline-compatible intake (/ispws) and the JSON reports API;
# `match`: the match API. A key holds only the scopes it was made for.
SCOPES = ("report", "match")
KEY_PREFIX = "tl_"


class ApiKeyRefused(Invalid):
    """An API key that cannot be made as asked (400, with the reason)."""


@dataclass(frozen=True)
class NewKey:
    id: int
    prefix: str
    key: str  # the whole key: shown once, never stored
    expires_at: dt.datetime


@dataclass(frozen=True)
class KeyRow:
    id: int
    reporter: str
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_scopes(scopes: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    unknown = [s for s in chosen if s not in SCOPES]
    if not chosen or unknown:
        raise ApiKeyRefused(f"scopes must be one or more of {', '.join(SCOPES)}"
                            + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    return chosen


def create_key(session: Session, reporter: Reporter, name: str, scopes: Sequence[str],
               days: int, max_days: int, actor: Actor) -> NewKey:
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiKeyRefused("an API key needs a name of 1 to 100 characters")
    if not 1 <= days <= max_days:
        raise ApiKeyRefused(f"an API key is valid for 1 to {max_days} days, not {days}")
    chosen = check_scopes(scopes)
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(reporter_id=reporter.id, name=name, prefix=prefix, key_hash=key_hash(key),
                 scopes=chosen, created_by=actor.name[:100],
                 expires_at=utcnow() + dt.timedelta(days=days))
    session.add(row)
    session.flush()
    record(session, actor, "api_key.create", "reporter", reporter.id, key_id=row.id,
           prefix=prefix, scopes=chosen, expires_at=row.expires_at.isoformat())
    return NewKey(row.id, prefix, key, row.expires_at)


def revoke_key(session: Session, key_id: int, actor: Actor) -> None:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} does not exist")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(session, actor, "api_key.revoke", "reporter", row.reporter_id, key_id=row.id,
               prefix=row.prefix)


def key_rows(session: Session, reporter_username: str | None = None) -> list[KeyRow]:
    query = (select(ApiKey, Reporter.username).join(Reporter, Reporter.id == ApiKey.reporter_id)
             .order_by(ApiKey.id))
    if reporter_username is not None:
        query = query.where(Reporter.username == reporter_username)
    return [KeyRow(k.id, username, k.name, k.prefix, list(k.scopes), k.created_by,
                   k.created_at, k.expires_at, k.revoked_at)
            for k, username in session.execute(query)]


@dataclass(frozen=True)
class KeyHolder:
    reporter: Reporter
    scopes: tuple[str, ...]


def holder_of(session: Session, key: str, now: dt.datetime) -> KeyHolder | None:
    """The active reporter holding this live (not expired, not revoked) key, else None."""
    if not key.startswith(KEY_PREFIX):
        return None
    prefix = key[len(KEY_PREFIX):].partition("_")[0]
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None or not hmac.compare_digest(row.key_hash, key_hash(key)):
        return None
    if row.revoked_at is not None or row.expires_at <= now:
        return None
    reporter = session.get(Reporter, row.reporter_id)
    if reporter is None or not reporter.active:
        return None
    return KeyHolder(reporter, tuple(row.scopes))
