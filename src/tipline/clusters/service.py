"""Use cases of the clusters domain. They never commit: the pipeline commits the stage."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from tipline.clusters import store
from tipline.clusters.index import MemberIndex
from tipline.clusters.models import ClusterEvent, ClusterMember, MediaCluster
from tipline.clusters.rules import (
    PDQ_QUALITY_MIN,
    RADIUS,
    VPDQ_MATCH_PCT,
    Edge,
    Group,
    hamming_matrix,
    hex_rows,
    join_reason,
    plan_groups,
    seen_at,
    video_match_pct,
)
from tipline.reports.models import FileSignal

LOCK = "tipline.clusters"


@dataclass(frozen=True)
class FileInput:
    """What clustering needs of one file, read before the lock is taken."""

    file_id: str
    sha256: str
    kind: str
    queries: list[str] = field(default_factory=list)  # every usable PDQ transform
    indexed: list[str] = field(default_factory=list)  # the ones members are indexed by
    frames: list[str] = field(default_factory=list)  # good vPDQ frames


@dataclass(frozen=True)
class Placement:
    file_id: str
    cluster_id: int
    joined_by: str


def file_inputs(session: Session, report_id: int) -> list[FileInput]:
    """The report's files with their usable hashes. A file that could not be decoded has none
    and clusters by SHA-256 only; so does an image whose PDQ quality is too low to trust."""
    files = store.report_files(session, report_id)
    signals = store.signals_of(session, [f.id for f in files])
    return [_input(f.id, f.sha256, f.media_kind or "other", signals.get(f.id, []))
            for f in files]


def _input(file_id: str, sha256: str, kind: str, signals: list[FileSignal]) -> FileInput:
    queries, indexed, frames = [], [], []
    for s in signals:
        if s.signal_type == "pdq" and (s.quality or 0) >= PDQ_QUALITY_MIN:
            queries.append(s.value)
            if set(s.detail.get("transforms", ["original"])) & set(store.IMAGE_LABELS):
                indexed.append(s.value)
        elif s.signal_type == "vpdq":
            frames += store.good_frames(s.detail)
    return FileInput(file_id, sha256, kind, list(dict.fromkeys(queries)),
                     list(dict.fromkeys(indexed)), list(dict.fromkeys(frames)))


def cluster_files(session: Session, index: MemberIndex, report_id: int,
                  files: list[FileInput]) -> list[Placement]:
    """Put every file of the report in a media cluster, exactly: under the clustering lock,
    after the index has caught up with every earlier decision."""
    store.serialize(session, LOCK)
    with index.lock:
        index.catch_up(session)
        placed = store.members(session, [f.file_id for f in files])
        todo = [f for f in files if f.file_id not in placed]  # a retry is harmless
        if not todo:
            return []
        cluster_ids, edges = find_edges(session, index, todo)
        groups = plan_groups(len(todo), cluster_ids, edges)
        positives = store.positive_files(session, [f.file_id for f in todo])
        report = store.report(session, report_id)
        when = seen_at(report.incident_at, report.finished_at or report.created_at)
        placements: list[Placement] = []
        for group in groups:
            placements += _place(session, report_id, group, todo, edges, positives, when)
        return placements


def find_edges(session: Session, index: MemberIndex, files: list[FileInput]
               ) -> tuple[list[int], list[Edge]]:
    """Evidence that new files are the same content as each other or as existing clusters.
    Existing clusters become nodes numbered after the files (see `plan_groups`)."""
    nodes: dict[int, int] = {}

    def node(cluster_id: int) -> int:
        return nodes.setdefault(cluster_id, len(files) + len(nodes))

    edges: list[Edge] = []
    by_sha = store.clusters_by_sha256(session, sorted({f.sha256 for f in files}))
    for i, f in enumerate(files):
        edges += [Edge(i, node(c), "sha256") for c in sorted(by_sha.get(f.sha256, ()))]
    edges += _pdq_edges(session, index, files, node)
    edges += _video_edges(session, index, files, node)
    edges += _edges_within(files)
    return sorted(nodes, key=nodes.__getitem__), edges


def _pdq_edges(session: Session, index: MemberIndex, files: list[FileInput],
               node: Callable[[int], int]) -> list[Edge]:
    owners = [i for i, f in enumerate(files) for _ in f.queries]
    hits = index.image_hits([q for f in files for q in f.queries], RADIUS)
    best: dict[tuple[int, str], int] = {}
    for owner, found in zip(owners, hits, strict=True):
        for member, distance in found:
            key = (owner, member)
            best[key] = min(best.get(key, distance), distance)
    clusters = store.members(session, sorted({m for _, m in best}))
    closest: dict[tuple[int, int], int] = {}
    for (owner, member), distance in best.items():
        pair = (owner, clusters[member])
        closest[pair] = min(closest.get(pair, distance), distance)
    return [Edge(i, node(c), "pdq", d) for (i, c), d in sorted(closest.items())]


def _video_edges(session: Session, index: MemberIndex, files: list[FileInput],
                 node: Callable[[int], int]) -> list[Edge]:
    """A video joins a member video when >= 80% of its good frames have a match in it (so a
    clip cut from a known video joins the video's cluster), as bank matching decides."""
    edges: list[Edge] = []
    for i, f in enumerate(files):
        if not f.frames:
            continue
        matched: dict[str, set[int]] = defaultdict(set)
        for frame, videos in enumerate(index.frame_hits(f.frames, RADIUS)):
            for video in videos:
                matched[video].add(frame)
        good = {v: video_match_pct(len(f.frames), m) for v, m in matched.items()}
        good = {v: pct for v, pct in good.items() if pct >= VPDQ_MATCH_PCT}
        clusters = store.members(session, sorted(good))
        best: dict[int, float] = {}
        for video, pct in good.items():
            best[clusters[video]] = max(best.get(clusters[video], 0.0), pct)
        edges += [Edge(i, node(c), "vpdq", pct) for c, pct in sorted(best.items())]
    return edges


def _edges_within(files: list[FileInput]) -> list[Edge]:
    """Files of the same report that are copies of each other."""
    edges: list[Edge] = []
    for i, a in enumerate(files):
        for j in range(i):
            b = files[j]
            if a.sha256 == b.sha256:
                edges.append(Edge(i, j, "sha256"))
                continue
            if a.queries and b.indexed:
                d = int(hamming_matrix(hex_rows(a.queries), hex_rows(b.indexed)).min())
                if d <= RADIUS:
                    edges.append(Edge(i, j, "pdq", d))
                    continue
            if a.frames and b.frames:
                close = hamming_matrix(hex_rows(a.frames), hex_rows(b.frames)) <= RADIUS
                pct = max(100.0 * float(np.mean(close.any(axis=1))),
                          100.0 * float(np.mean(close.any(axis=0))))
                if pct >= VPDQ_MATCH_PCT:
                    edges.append(Edge(i, j, "vpdq", pct))
    return edges


def _place(session: Session, report_id: int, group: Group, files: list[FileInput],
           edges: list[Edge], positives: set[str], when: dt.datetime) -> list[Placement]:
    members = [files[i] for i in group.files]
    target_id = group.target
    if target_id is None:
        cluster = MediaCluster(kind=members[0].kind, files=0, reports=0, known=False,
                               first_seen=when, last_seen=when)
        session.add(cluster)
        session.flush()
        session.add(ClusterEvent(cluster_id=cluster.id, kind="created",
                                 detail={"report_id": report_id}))
    else:
        existing = store.locked_clusters(session, group.clusters)
        cluster = existing[target_id]
        for other in sorted(set(group.clusters) - {target_id}):
            merge(session, existing[other], cluster, report_id)
    placements = []
    for i in group.files:
        reason = join_reason(i, edges, len(files))
        session.add(ClusterMember(file_id=files[i].file_id, cluster_id=cluster.id,
                                  report_id=report_id, joined_by=reason))
        session.add(ClusterEvent(cluster_id=cluster.id, kind="joined", file_id=files[i].file_id,
                                 detail={"report_id": report_id, "joined_by": reason}))
        placements.append(Placement(files[i].file_id, cluster.id, reason))
    known_files = sorted(f.file_id for f in members if f.file_id in positives)
    if known_files and not cluster.known:
        cluster.known = True
        session.add(ClusterEvent(cluster_id=cluster.id, kind="known",
                                 detail={"report_id": report_id, "files": known_files}))
    cluster.first_seen = min(cluster.first_seen, when)
    cluster.last_seen = max(cluster.last_seen, when)
    session.flush()
    cluster.files, cluster.reports = store.counts(session, cluster.id)
    return placements


def merge(session: Session, source: MediaCluster, target: MediaCluster, report_id: int) -> None:
    """A file bridged two clusters: the younger one's members move to the older one, and
    both record it; the younger keeps `merged_into_id` so old references still resolve."""
    moved = store.move_members(session, source.id, target.id)
    source.merged_into_id = target.id
    source.files, source.reports = 0, 0
    if source.known and not target.known:
        target.known = True
        session.add(ClusterEvent(cluster_id=target.id, kind="known",
                                 detail={"report_id": report_id, "from_cluster": source.id}))
    target.first_seen = min(target.first_seen, source.first_seen)
    target.last_seen = max(target.last_seen, source.last_seen)
    session.add(ClusterEvent(cluster_id=source.id, kind="merged",
                             detail={"into": target.id, "report_id": report_id, "files": moved}))
    session.add(ClusterEvent(cluster_id=target.id, kind="absorbed",
                             detail={"from": source.id, "report_id": report_id, "files": moved}))


def cluster_view(session: Session, cluster_id: int, members: ColumnElement[bool] | None = None,
                 events: ColumnElement[bool] | None = None) -> dict[str, Any] | None:
    """A cluster for reading: its members (file, report, how each joined) and its history,
    including clusters merged into it. A merged cluster's id resolves to its survivor.
    `members` and `events` narrow both to what a reader may see."""
    cluster = store.resolve(session, cluster_id)
    if cluster is None:
        return None
    merged = store.merged_from(session, cluster.id)
    return {
        "id": cluster.id, "requested_id": cluster_id, "kind": cluster.kind,
        "known": cluster.known, "files": cluster.files, "reports": cluster.reports,
        "first_seen": cluster.first_seen.isoformat(), "last_seen": cluster.last_seen.isoformat(),
        "merged_from": merged,
        "members": [{"file_id": m.file_id, "report_id": m.report_id, "joined_by": m.joined_by,
                     "joined_at": m.joined_at.isoformat(), "sha256": f.sha256,
                     "media_kind": f.media_kind}
                    for m, f in store.cluster_members(session, cluster.id, members)],
        "history": [{"cluster_id": e.cluster_id, "at": e.at.isoformat(), "kind": e.kind,
                     "file_id": e.file_id, "detail": e.detail}
                    for e in store.events(session, [cluster.id, *merged], events)],
    }
