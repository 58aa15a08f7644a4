from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCDateTime, utcnow


class MediaCluster(Base):
    """Files of the same content. `known` when any member matched a positive bank entry;
    otherwise the content is new material: possibly a child not yet identified."""

    __tablename__ = "media_clusters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # image | video | other
    files: Mapped[int] = mapped_column(Integer, default=0)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    known: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("media_clusters.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClusterMember(Base):
    """A file's place in a cluster, with how it got there (exact hash or PDQ distance)."""

    __tablename__ = "media_cluster_members"

    file_id: Mapped[str] = mapped_column(ForeignKey("report_files.id"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("media_clusters.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    joined_by: Mapped[str] = mapped_column(String(60))  # new | sha256 | pdq:<d> | vpdq:<pct>
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClusterEvent(Base):
    """The history of media clusters, and the ordered log each process's near-duplicate index
    follows: rows are only written while the clustering lock is held, so ids grow in commit
    order and "every event after id N" is exact (see `clusters/index.py`)."""

    __tablename__ = "media_cluster_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("media_clusters.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # created | joined | merged | absorbed | known
    file_id: Mapped[str | None] = mapped_column(String(40))  # the file that joined
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
