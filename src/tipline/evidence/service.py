"""Use cases for evidence: take an upload in, read a file back. Every write and every read is
appended to the audit log in the caller's transaction."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from tipline.audit.service import Actor, Event, record, record_all
from tipline.evidence.crypto import CHUNK
from tipline.evidence.store import EvidenceStore


class EvidenceTooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the limit of {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredEvidence:
    sha256: str
    md5: str
    sha1: str
    size: int
    newly_stored: bool


def store_upload(store: EvidenceStore, source: BinaryIO, limit: int) -> StoredEvidence:
    """Hash the upload, refuse it past `limit` bytes, then seal it under its SHA-256. Nothing is
    kept of a refused upload. A seekable source (a spooled form upload) is read twice, once to
    hash and once to seal; any other is first spooled to disk."""
    if source.seekable():
        start = source.tell()
        digests = _hash(source, limit)
        source.seek(start)
        return _seal(store, source, digests)
    with tempfile.TemporaryFile(dir=store.spool_dir()) as spool:
        digests = _hash(source, limit, copy_to=spool)
        spool.seek(0)
        return _seal(store, spool, digests)


@dataclass(frozen=True)
class _Digests:
    md5: str
    sha1: str
    sha256: str
    size: int


def _hash(source: BinaryIO, limit: int, copy_to: BinaryIO | None = None) -> _Digests:
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    size = 0
    for chunk in iter(lambda: source.read(CHUNK), b""):
        size += len(chunk)
        if size > limit:
            raise EvidenceTooLarge(limit)
        for digest in (md5, sha1, sha256):
            digest.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return _Digests(md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size)


def _seal(store: EvidenceStore, plaintext: BinaryIO, digests: _Digests) -> StoredEvidence:
    created = store.put(digests.sha256, plaintext)
    return StoredEvidence(digests.sha256, digests.md5, digests.sha1, digests.size, created)


def write_event(stored: StoredEvidence, file_id: str) -> Event:
    """The audit event of an evidence write, appended by the caller with the act it belongs to."""
    return Event("evidence.write", "evidence", stored.sha256,
                 {"file_id": file_id, "size": stored.size, "newly_stored": stored.newly_stored})


Referenced = Callable[[Session, Sequence[str]], set[str]]
"""Which of these addresses something stored still points to (the reports' files)."""


def remove_unreferenced(session: Session, store: EvidenceStore, addresses: Sequence[str],
                        cutoff: float, referenced: Referenced, actor: Actor,
                        dry_run: bool = False) -> list[str]:
    """Remove the files no row points to, unless written or touched since `cutoff` (an upload
    sealed but not yet committed is recent); each removal is audited. The addresses removed,
    or with `dry_run` those that would be."""
    kept = referenced(session, addresses)
    unreferenced = [address for address in addresses if address not in kept]
    if dry_run:
        return unreferenced
    # Files go before their audit rows commit: a crash in between leaves a removal of an
    # unreferenced file unaudited, never an audit row for a file that is still there.
    removed = [a for a in unreferenced if store.remove_if_untouched(a, cutoff)]
    if removed:
        record_all(session, actor, [
            Event("evidence.delete", "evidence", address, {"reason": "unreferenced"})
            for address in removed])
    return removed


def read_evidence(
    session: Session, store: EvidenceStore, actor: Actor, address: str, purpose: str
) -> Iterator[bytes]:
    """Open a file for reading; the read is audited before a single byte is returned."""
    record(session, actor, "evidence.read", "evidence", address, purpose=purpose)
    return store.open(address)
