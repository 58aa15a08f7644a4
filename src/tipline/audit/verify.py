"""Verifying the audit log, and the signed checkpoints that prove how far it reached.

A checkpoint is a small JSON file, signed with Ed25519, naming the last row (id and chain hash)
at a moment. It is written to a folder outside the database, where the application's database
role cannot reach it: rows deleted from the end of the log (or a TRUNCATE) leave the chain
itself intact, and only a checkpoint that names a row no longer there shows it.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from tipline.audit.chain import GENESIS, TABLE, AuditKeys, row_hash
from tipline.db import utcnow

_COLUMNS = [TABLE.c[name] for name in (
    "id", "at", "actor", "action", "object_type", "object_id", "remote_addr", "detail",
    "prev_hash", "chain_hash")]


@dataclass(frozen=True)
class Problem:
    row_id: int | None  # where in the log (None: a checkpoint file's own problem)
    kind: str  # altered | deleted | inserted | truncated | unchained | checkpoint
    message: str


@dataclass
class Verification:
    rows: int = 0
    last_id: int = 0
    last_hash: str = GENESIS
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Checkpoint:
    last_id: int
    chain_hash: str
    rows: int
    at: str
    path: Path


def _rows(session: Session) -> Iterator[Row[Any]]:
    stmt = select(*_COLUMNS).order_by(TABLE.c.id)
    yield from session.execute(stmt.execution_options(yield_per=2000))


def verify_chain(rows: Iterable[Row[Any]], key: bytes) -> Verification:
    """Walk the rows in id order; every break is reported at the row where it shows."""
    result = Verification()
    for row in rows:
        result.rows += 1
        _check_row(row, key, result)
        result.last_id, result.last_hash = row.id, row.chain_hash or ""
    return result


def _check_row(row: Row[Any], key: bytes, result: Verification) -> None:
    def problem(kind: str, message: str) -> None:
        result.problems.append(Problem(row.id, kind, f"row {row.id}: {message}"))

    if row.chain_hash is None or row.prev_hash is None:
        problem("unchained", "has no chain hash: it was written around tipline")
        return
    if row_hash(key, row.prev_hash, row._asdict()) != row.chain_hash:
        problem("altered", "its content does not match its hash: it was edited, replaced, "
                "moved or forged")
    elif row.prev_hash != result.last_hash:
        if row.prev_hash == GENESIS and result.rows > 1:
            problem("inserted", "claims to be the first row, but rows come before it")
        elif result.rows == 1:
            problem("deleted", f"is the first row left; rows before it (ids below {row.id}) "
                    "were deleted")
        elif row.id > result.last_id + 1:
            problem("deleted", f"does not follow row {result.last_id}: rows between them "
                    f"(ids {result.last_id + 1} to {row.id - 1}) were deleted")
        else:
            problem("inserted", f"does not follow row {result.last_id}: rows were inserted "
                    "or reordered here")


def verify(session: Session, keys: AuditKeys, folder: Path) -> Verification:
    """Check the whole chain, then every checkpoint against it."""
    result = verify_chain(_rows(session), keys.chain)
    for checkpoint in _read_checkpoints(folder, keys, result):
        result.checkpoints += 1
        _check_checkpoint(session, checkpoint, result)
    return result


def _check_checkpoint(session: Session, checkpoint: Checkpoint, result: Verification) -> None:
    found = session.execute(select(TABLE.c.chain_hash)
                            .where(TABLE.c.id == checkpoint.last_id)).scalar_one_or_none()
    where = f"checkpoint {checkpoint.path.name} (signed {checkpoint.at})"
    if found is None and checkpoint.last_id > 0:
        ends = f"row {result.last_id}" if result.rows else "nothing (it is empty)"
        result.problems.append(Problem(
            checkpoint.last_id, "truncated",
            f"row {checkpoint.last_id}, named by {where}, is gone: the log now ends at {ends}; "
            "rows were deleted or the table truncated"))
    elif found is not None and found != checkpoint.chain_hash:
        result.problems.append(Problem(
            checkpoint.last_id, "altered",
            f"row {checkpoint.last_id} differs from {where}: the log was rewritten"))


def _read_checkpoints(folder: Path, keys: AuditKeys,
                      result: Verification) -> Iterator[Checkpoint]:
    public = keys.signing.public_key()
    for path in sorted(folder.glob("checkpoint-*.json")) if folder.is_dir() else []:
        try:
            signed = json.loads(path.read_text())
            body = signed["body"]
            public.verify(base64.b64decode(signed["signature"]), _canonical(body))
            yield Checkpoint(int(body["last_id"]), str(body["chain_hash"]),
                             int(body["rows"]), str(body["at"]), path)
        except (InvalidSignature, ValueError, KeyError, TypeError) as exc:
            result.problems.append(Problem(None, "checkpoint", f"checkpoint {path.name} does "
                                           f"not verify ({type(exc).__name__}): forged or "
                                           "damaged, or signed with another key"))


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def write_checkpoint(session: Session, keys: AuditKeys, folder: Path) -> Checkpoint:
    """Sign the log's current end and write it atomically (temp file, fsync, rename)."""
    last = session.execute(select(TABLE.c.id, TABLE.c.chain_hash)
                           .order_by(TABLE.c.id.desc()).limit(1)).first()
    rows = session.execute(select(func.count()).select_from(TABLE)).scalar_one()
    body = {"last_id": last.id if last else 0,
            "chain_hash": (last.chain_hash or "") if last else GENESIS,
            "rows": rows, "at": utcnow().isoformat(), "public_key": keys.public_key}
    signature = base64.b64encode(keys.signing.sign(_canonical(body))).decode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checkpoint-{body['last_id']:015d}-{utcnow():%Y%m%dT%H%M%S%f}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "w") as out:
        json.dump({"body": body, "signature": signature}, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return Checkpoint(int(body["last_id"]), str(body["chain_hash"]), rows, str(body["at"]), path)
