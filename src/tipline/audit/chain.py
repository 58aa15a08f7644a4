"""The audit log's hash chain: each row carries a keyed hash of its content and of the row
before it, so a row edited, replaced, inserted, moved or deleted breaks the chain where it is.

Rows are chained in id order. Two transactions must not chain onto the same predecessor, so
the append is serialised: events recorded in a transaction are held until it commits and
appended then, under PostgreSQL's transaction-scoped advisory lock (SQLite has one writer
already, BEGIN IMMEDIATE). The lock is taken last, after every other statement of the
transaction, so it never waits on a row lock while holding it (no deadlock), and it is held
only for one insert and the commit.

The hash is an HMAC: someone who can write to the database but does not hold the key cannot
forge a row that verifies, not even one appended at the end.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine, event, insert, select, text
from sqlalchemy.pool import Pool

from tipline.audit.models import AuditEvent
from tipline.db import table_of
from tipline.settings import Settings

GENESIS = "0" * 64  # the predecessor of the first row
# Any fixed 64-bit number: the advisory lock every chain append takes on PostgreSQL.
_LOCK_ID = 0x7469706C696E6541  # "tiplineA"
_PENDING = "tipline_audit_pending"
TABLE = table_of(AuditEvent)
_INSERT = insert(TABLE)
_LAST = select(TABLE.c.id, TABLE.c.chain_hash).order_by(TABLE.c.id.desc()).limit(1)


@dataclass(frozen=True)
class AuditKeys:
    """The chain's HMAC key and the checkpoints' Ed25519 key, both derived from one secret."""

    chain: bytes
    signing: Ed25519PrivateKey

    @property
    def public_key(self) -> str:
        raw = self.signing.public_key().public_bytes_raw()
        return base64.b64encode(raw).decode()


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tipline-audit",
                info=purpose).derive(secret)


def keys_from_secret(secret: bytes) -> AuditKeys:
    return AuditKeys(_derive(secret, b"chain"),
                     Ed25519PrivateKey.from_private_bytes(_derive(secret, b"checkpoint")))


def keys_for(settings: Settings) -> AuditKeys:
    return keys_from_secret(settings.audit_key_bytes)


# A process that never bound its engine (a test's bare Database) still chains, under this key;
# `tipline audit verify` then reports its rows as altered, which is what they are to it.
UNBOUND = keys_from_secret(b"tipline-unbound-audit-key")
_KEYS: weakref.WeakKeyDictionary[Engine, AuditKeys] = weakref.WeakKeyDictionary()


def bind(engine: Engine, keys: AuditKeys) -> None:
    """Chain the audit rows written through this engine with these keys."""
    _KEYS[engine] = keys


def keys_of(engine: Engine) -> AuditKeys:
    return _KEYS.get(engine, UNBOUND)


def _iso(at: dt.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def row_hash(key: bytes, prev_hash: str, row: dict[str, Any]) -> str:
    """The chain hash of one row: its id and every column it shows, and its predecessor's."""
    content = json.dumps(
        [row["id"], _iso(row["at"]), row["actor"], row["action"], row["object_type"],
         row["object_id"], row["remote_addr"], row["detail"]],
        sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    message = prev_hash.encode() + b"\n" + content.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def stored_form(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail as it reads back from the JSON column (keys become strings...), so that the
    hash computed now is the hash recomputed from the stored row."""
    loaded: dict[str, Any] = json.loads(json.dumps(detail))
    return loaded


def defer(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append these rows when the connection's transaction commits (now, if there is none)."""
    transaction = conn.get_transaction()
    if transaction is None or _autocommit(conn):
        append(conn, rows)
        return
    pending: dict[Any, list[dict[str, Any]]] = conn.info.setdefault(_PENDING, {})
    pending.setdefault(transaction, []).extend(rows)
    if not event.contains(conn, "commit", _on_commit):
        event.listen(conn, "commit", _on_commit)
        event.listen(conn, "rollback", _on_rollback)


def _autocommit(conn: Connection) -> bool:
    return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def _on_commit(conn: Connection) -> None:
    pending: dict[Any, list[dict[str, Any]]] = conn.info.get(_PENDING) or {}
    rows = pending.pop(conn.get_transaction(), None)
    if rows:
        append(conn, rows)


def _on_rollback(conn: Connection) -> None:
    pending: dict[Any, list[dict[str, Any]]] = conn.info.get(_PENDING) or {}
    pending.pop(conn.get_transaction(), None)


@event.listens_for(Pool, "checkin")
def _forget_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info.pop(_PENDING, None)


def append(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Chain and insert rows after the last one, serialised against every other append."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _LOCK_ID})
    key = keys_of(conn.engine).chain
    last = conn.execute(_LAST).first()
    last_id, prev = (last.id, last.chain_hash or GENESIS) if last is not None else (0, GENESIS)
    chained = []
    for offset, row in enumerate(rows, start=1):
        full = {**row, "id": last_id + offset, "detail": stored_form(row["detail"])}
        full["prev_hash"] = prev
        full["chain_hash"] = prev = row_hash(key, full["prev_hash"], full)
        chained.append(full)
    conn.execute(_INSERT, chained)
