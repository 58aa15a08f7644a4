"""Retroactive matching: what a change to the banks means for the files already received.

For the bank signals a batch of the change log touched, the candidate files are found
incrementally: the changed signals' PDQ hashes (every stored variant) are looked up in the
index of stored file hashes (`FileHashIndex`), their cryptographic hashes by value, and the
files already matched to them are taken as well (an entry disabled, or a hash now also in a
negative bank, must be able to undo a match). Each candidate file is then matched again by
the matching stage's own matcher against the live bank index, and its recorded matches are
made equal to the answer: applying the truth, not the logged operation, so replaying a batch
changes nothing. Files whose matches changed update their clusters (known material or not)
and their classification facts; their cases are queued to be re-routed and re-triaged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.banks.models import Bank
from tipline.classification.models import MediaFact
from tipline.classification.service import record_file_facts
from tipline.classification.store import bank_sources
from tipline.clusters.models import ClusterEvent, ClusterMember, MediaCluster
from tipline.clusters.service import LOCK as CLUSTER_LOCK
from tipline.clusters.store import serialize
from tipline.matching.models import FileMatch
from tipline.matching.rules import Hit, decide
from tipline.matching.service import PdqLookup, find_hits_many
from tipline.matching.stages import lookup_of
from tipline.reports.models import ReportFile
from tipline.retro import store
from tipline.retro.fileindex import FileHashIndex
from tipline.routing.service import REROUTE  # route, triage and deliver a case again
from tipline.workqueue.items import enqueue

FILES_PER_STEP = 500  # candidate files matched again per batch of the bank index


@dataclass
class Outcome:
    signals: int = 0
    candidates: int = 0
    changed_files: int = 0
    clusters: int = 0
    cases: int = 0


NearRows = Callable[[list[str], int], set[int]]
"""The stored file signal rows within a radius of any of these PDQ hashes."""


def near_in(session: Session, files: FileHashIndex) -> NearRows:
    """`NearRows` of this process's index of stored file hashes, caught up first."""
    def near(variants: list[str], radius: int) -> set[int]:
        files.catch_up(session)
        return {row for hits in files.near(variants, radius) for row, _ in hits}
    return near


def candidate_files(session: Session, near: NearRows, signal_ids: list[int]) -> set[str]:
    """Stored files whose matches these changed bank signals may change."""
    found = store.files_matched_by(session, signal_ids)
    radius = store.max_threshold(session)
    variants = store.live_pdq_variants(session, signal_ids)
    if variants and radius is not None:
        found |= store.files_of_signal_rows(session, sorted(near(variants, radius)))
    exact = store.exact_signals(session, signal_ids)
    if exact:
        found |= store.files_with_exact(session, exact)
    return found


def _same(match: FileMatch, hit: Hit) -> bool:
    return (match.distance, match.query_label, match.suppressed, match.suppressed_by) == (
        hit.distance, hit.query_label, hit.suppressed_by is not None, hit.suppressed_by)


def reconcile(session: Session, report_id: int, file_id: str, recorded: list[FileMatch],
              hits: list[Hit]) -> bool:
    """Make the file's recorded matches equal to `hits`; True when anything changed."""
    wanted = {h.entry_id: h for h in hits}
    changed = False
    for match in recorded:
        hit = wanted.pop(match.entry_id, None)
        if hit is None:
            session.delete(match)
            changed = True
        elif not _same(match, hit):
            match.distance, match.query_label = hit.distance, hit.query_label
            match.suppressed, match.suppressed_by = hit.suppressed_by is not None, hit.suppressed_by
            changed = True
    for hit in wanted.values():
        session.add(FileMatch(
            report_id=report_id, file_id=file_id, bank_id=hit.bank_id, entry_id=hit.entry_id,
            signal_type=hit.signal_type, query_label=hit.query_label, distance=hit.distance,
            suppressed=hit.suppressed_by is not None, suppressed_by=hit.suppressed_by))
        changed = True
    return changed


def rematch_files(session: Session, index: PdqLookup, reports: dict[str, int]) -> list[str]:
    """Match these files again with the matching stage's matcher; the files whose recorded
    matches changed."""
    changed: list[str] = []
    ids = sorted(reports)
    for start in range(0, len(ids), FILES_PER_STEP):
        part = ids[start:start + FILES_PER_STEP]
        signals = store.signals_of(session, part)
        found = find_hits_many(session, index, [lookup_of(signals[f]) for f in part])
        recorded = store.matches_of(session, part)
        for file_id, hits in zip(part, found, strict=True):
            if reconcile(session, reports[file_id], file_id, recorded[file_id], decide(hits)):
                changed.append(file_id)
    session.flush()
    return changed


def update_clusters(session: Session, file_ids: list[str]) -> int:
    """A cluster is known material while a member has a positive, unsuppressed match; the
    change (either way) is logged as a cluster event, under the clustering lock."""
    cluster_ids = sorted(store.clusters_of(session, file_ids))
    if not cluster_ids:
        return 0
    serialize(session, CLUSTER_LOCK)
    known = set(session.scalars(
        select(ClusterMember.cluster_id).distinct()
        .join(FileMatch, FileMatch.file_id == ClusterMember.file_id)
        .join(Bank, Bank.id == FileMatch.bank_id)
        .where(ClusterMember.cluster_id.in_(cluster_ids), FileMatch.suppressed.is_(False),
               Bank.kind == "positive")))
    flipped = 0
    for cluster in session.scalars(select(MediaCluster).where(MediaCluster.id.in_(cluster_ids))):
        now_known = cluster.id in known
        if cluster.known != now_known:
            cluster.known = now_known
            session.add(ClusterEvent(cluster_id=cluster.id, kind="known" if now_known else
                                     "unknown", detail={"by": "retroactive matching"}))
            flipped += 1
    return flipped


def reclassify(session: Session, file_ids: Iterable[str]) -> None:
    """Facts of the bank sources a file matches now; bank facts of entries it no longer
    matches are withdrawn (reviewers' and reporters' facts stay)."""
    for file in session.scalars(select(ReportFile).where(ReportFile.id.in_(list(file_ids)))):
        current = {s.ref for s in bank_sources(session, file.id)}
        for fact in session.scalars(select(MediaFact).where(MediaFact.file_id == file.id,
                                                            MediaFact.source == "bank")):
            if fact.source_ref not in current:
                session.delete(fact)
        session.flush()
        record_file_facts(session, file)


def rematch_signals(session: Session, index: PdqLookup, near: NearRows,
                    signal_ids: list[int]) -> Outcome:
    """Everything one batch of changed bank signals means for the stored files."""
    outcome = Outcome(signals=len(signal_ids))
    candidates = candidate_files(session, near, signal_ids)
    reports = store.matched_files(session, sorted(candidates))
    outcome.candidates = len(reports)
    changed = rematch_files(session, index, reports)
    outcome.changed_files = len(changed)
    if not changed:
        return outcome
    outcome.clusters = update_clusters(session, changed)
    reclassify(session, changed)
    cases = store.cases_of(session, [reports[f] for f in changed])
    for case_id in sorted(cases):
        enqueue(session, REROUTE, str(case_id), {"reason": "bank matches changed"})
    outcome.cases = len(cases)
    return outcome
