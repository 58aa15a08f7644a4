"""Evidence use cases as jobs that own their transactions: the sweep of unreferenced files."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from tipline.audit.service import Actor, record
from tipline.db import Database
from tipline.evidence.service import Referenced, remove_unreferenced
from tipline.evidence.store import EvidenceStore

BATCH = 500  # addresses checked and removed per transaction


@dataclass(frozen=True)
class Swept:
    examined: int
    removed: list[str]
    leftovers: int


def sweep(db: Database, store: EvidenceStore, referenced: Referenced, older_than_seconds: float,
          actor: Actor, dry_run: bool = False) -> Swept:
    """Remove evidence files that no report points to and that nothing wrote or touched for
    `older_than_seconds`: uploads sealed and then refused (their report was finished or
    retracted meanwhile) or never committed (a crash). The grace period covers uploads sealed
    but not yet committed; it should be far longer than any upload takes."""
    cutoff = time.time() - older_than_seconds
    with store.sweeping():
        leftovers = 0 if dry_run else store.recover(cutoff)
        examined, removed = 0, []
        candidates = store.written_before(cutoff)
        while batch := list(itertools.islice(candidates, BATCH)):
            examined += len(batch)
            with db.transaction() as session:
                removed += remove_unreferenced(session, store, batch, cutoff, referenced,
                                               actor, dry_run)
    return Swept(examined, removed, leftovers)


@dataclass(frozen=True)
class Rotated:
    examined: int
    rewrapped: int


def rotate(db: Database, store: EvidenceStore, key_id: str, actor: Actor) -> Rotated:
    """Re-wrap every file's data key with the current master key (`key_id`), a batch of files
    per audited transaction. The server keeps serving meanwhile: each file is replaced
    atomically, and the keyring still holds the earlier keys, so every file opens before,
    during and after. Files written during the rotation are wrapped with the current key."""
    examined = rewrapped = 0
    addresses = store.written_before(float("inf"))
    while batch := list(itertools.islice(addresses, BATCH)):
        done = sum(1 for address in batch if store.rewrap(address))
        examined, rewrapped = examined + len(batch), rewrapped + done
        with db.transaction() as session:
            record(session, actor, "evidence.rewrap", "evidence_keys", key_id,
                   examined=len(batch), rewrapped=done)
    return Rotated(examined, rewrapped)
