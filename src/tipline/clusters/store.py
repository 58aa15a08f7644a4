"""Queries of the clusters domain."""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, text, true, update
from sqlalchemy.orm import Session

from tipline.banks.models import Bank
from tipline.clusters.models import ClusterEvent, ClusterMember, MediaCluster
from tipline.clusters.rules import PDQ_QUALITY_MIN
from tipline.matching.models import FileMatch
from tipline.reports.models import FileSignal, Report, ReportFile

CHUNK = 500
IMAGE_LABELS = ("original", "stripped")


def serialize(session: Session, name: str) -> None:
    """Hold a transaction-scoped lock named `name` until commit or rollback.

    On PostgreSQL an advisory lock: every worker process deciding clusters (or cases) waits
    for the one before it, so each decision sees all earlier ones. SQLite transactions start
    with BEGIN IMMEDIATE, which already lets one writer in at a time.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        key = zlib.crc32(name.encode())  # stable across processes, unlike hash()
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


# -- what the index follows ------------------------------------------------------------------

def joined_since(session: Session, last_id: int) -> tuple[int, list[str]]:
    """(newest event id, files that joined a cluster after `last_id`)."""
    rows = session.execute(select(ClusterEvent.id, ClusterEvent.file_id)
                           .where(ClusterEvent.id > last_id).order_by(ClusterEvent.id)).all()
    head = rows[-1].id if rows else last_id
    return head, list(dict.fromkeys(r.file_id for r in rows if r.file_id))


def member_hashes(session: Session, file_ids: Sequence[str]
                  ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Index rows of these files: (file, PDQ) of the untransformed and border-stripped image,
    and (file, frame PDQ) of each good video frame."""
    images: list[tuple[str, str]] = []
    frames: list[tuple[str, str]] = []
    for part in chunks(file_ids):
        for s in session.scalars(select(FileSignal).where(
                FileSignal.file_id.in_(part), FileSignal.source == "computed",
                FileSignal.signal_type.in_(("pdq", "vpdq"))).order_by(FileSignal.id)):
            if s.signal_type == "pdq":
                labels = s.detail.get("transforms", ["original"])
                if (s.quality or 0) >= PDQ_QUALITY_MIN and set(labels) & set(IMAGE_LABELS):
                    images.append((s.file_id, s.value))
            else:
                frames += [(s.file_id, h) for h in good_frames(s.detail)]
    return images, frames


def good_frames(detail: dict[str, Any]) -> list[str]:
    """Distinct frame hashes of usable quality, in order."""
    return list(dict.fromkeys(f[2] for f in detail.get("frames", [])
                              if f[3] >= PDQ_QUALITY_MIN))


# -- a report's files ------------------------------------------------------------------------

def report_files(session: Session, report_id: int) -> list[ReportFile]:
    return list(session.scalars(select(ReportFile).where(ReportFile.report_id == report_id)
                                .order_by(ReportFile.uploaded_at, ReportFile.id)))


def signals_of(session: Session, file_ids: Sequence[str]) -> dict[str, list[FileSignal]]:
    found: dict[str, list[FileSignal]] = defaultdict(list)
    for part in chunks(file_ids):
        for s in session.scalars(select(FileSignal).where(
                FileSignal.file_id.in_(part), FileSignal.source == "computed",
                FileSignal.signal_type.in_(("pdq", "vpdq"))).order_by(FileSignal.id)):
            found[s.file_id].append(s)
    return found


def bank_matched_clusters() -> Select[int]:
    """Clusters with a member matched by any bank, negative banks included: such content is
    accounted for (known abuse material, or known benign), so it is not new material and it
    links nobody into one case."""
    return (select(ClusterMember.cluster_id)
            .join(FileMatch, FileMatch.file_id == ClusterMember.file_id).distinct())


def positive_files(session: Session, file_ids: Sequence[str]) -> set[str]:
    """Files with a positive, unsuppressed bank match: known material."""
    found: set[str] = set()
    for part in chunks(file_ids):
        found |= set(session.scalars(
            select(FileMatch.file_id).join(Bank, Bank.id == FileMatch.bank_id)
            .where(FileMatch.file_id.in_(part), FileMatch.suppressed.is_(False),
                   Bank.kind == "positive")))
    return found


def members(session: Session, file_ids: Sequence[str]) -> dict[str, int]:
    """Current cluster of each of these files that is clustered."""
    found: dict[str, int] = {}
    for part in chunks(file_ids):
        found.update({f: c for f, c in session.execute(
            select(ClusterMember.file_id, ClusterMember.cluster_id)
            .where(ClusterMember.file_id.in_(part)))})
    return found


def clusters_by_sha256(session: Session, digests: Sequence[str]) -> dict[str, set[int]]:
    """Clusters holding a file with each of these SHA-256 digests."""
    found: dict[str, set[int]] = defaultdict(set)
    for part in chunks(digests):
        for sha, cluster_id in session.execute(
                select(ReportFile.sha256, ClusterMember.cluster_id)
                .join(ClusterMember, ClusterMember.file_id == ReportFile.id)
                .where(ReportFile.sha256.in_(part))):
            found[sha].add(cluster_id)
    return found


def report(session: Session, report_id: int) -> Report:
    found = session.get(Report, report_id)
    assert found is not None
    return found


# -- clusters --------------------------------------------------------------------------------

def locked_clusters(session: Session, ids: Iterable[int]) -> dict[int, MediaCluster]:
    return {c.id: c for c in session.scalars(select(MediaCluster)
                                             .where(MediaCluster.id.in_(sorted(set(ids)))))}


def move_members(session: Session, source: int, target: int) -> int:
    moved: int = session.execute(update(ClusterMember).where(ClusterMember.cluster_id == source)
                                 .values(cluster_id=target)).rowcount  # type: ignore[attr-defined]
    return moved


def counts(session: Session, cluster_id: int) -> tuple[int, int]:
    """(files, distinct reports) of a cluster."""
    row = session.execute(select(func.count(), func.count(func.distinct(ClusterMember.report_id)))
                          .where(ClusterMember.cluster_id == cluster_id)).one()
    return int(row[0]), int(row[1])


def resolve(session: Session, cluster_id: int) -> MediaCluster | None:
    """The cluster, following merges to the one that holds its files now."""
    seen: set[int] = set()
    cluster = session.get(MediaCluster, cluster_id)
    while cluster is not None and cluster.merged_into_id is not None and cluster.id not in seen:
        seen.add(cluster.id)
        cluster = session.get(MediaCluster, cluster.merged_into_id)
    return cluster


def cluster_members(session: Session, cluster_id: int, only: ColumnElement[bool] | None = None
                    ) -> list[tuple[ClusterMember, ReportFile]]:
    """The cluster's members; `only` narrows them (e.g. to what a reader may see)."""
    return list(session.execute(
        select(ClusterMember, ReportFile).join(ReportFile, ReportFile.id == ClusterMember.file_id)
        .where(ClusterMember.cluster_id == cluster_id, true() if only is None else only)
        .order_by(ClusterMember.joined_at, ClusterMember.file_id)))


def events(session: Session, cluster_ids: Sequence[int],
           only: ColumnElement[bool] | None = None) -> list[ClusterEvent]:
    return list(session.scalars(select(ClusterEvent).where(
        ClusterEvent.cluster_id.in_(cluster_ids), true() if only is None else only)
        .order_by(ClusterEvent.id)))


def merged_from(session: Session, cluster_id: int) -> list[int]:
    """Every cluster that was merged, directly or through others, into this one."""
    found: list[int] = []
    frontier = [cluster_id]
    while frontier:
        rows = list(session.scalars(select(MediaCluster.id)
                                    .where(MediaCluster.merged_into_id.in_(frontier))))
        found += rows
        frontier = rows
    return found
