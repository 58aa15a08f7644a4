"""Queries of media review: the budget's one query, open reveals, the review-once queue and a
cluster's files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from tipline.cases.models import Case, CaseReport
from tipline.classification.models import MediaFact
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.db import UTCDateTime
from tipline.reports.models import ReportFile
from tipline.review.models import ExposureOverride, MediaReveal, ReviewerPreference
from tipline.review.rules import ExposureRow, day_bounds

CLOSED_CASE_STATUSES = ("merged", "closed")


def exposure_rows(session: Session, user_id: int, day: dt.date) -> list[ExposureRow]:
    """Everything a reviewer's exposure for a day depends on, in ONE query: the day's reveals,
    the day's overrides and the reviewer's own budget."""
    start, end = day_bounds(day)
    no_time = cast(null(), UTCDateTime())
    no_number = cast(null(), Float)
    reveals = select(
        literal("reveal", String).label("kind"), MediaReveal.opened_at.label("at"),
        MediaReveal.closed_at.label("ended_at"), MediaReveal.seconds.label("seconds"),
        MediaReveal.limit_seconds.label("limit"),
    ).where(MediaReveal.user_id == user_id, MediaReveal.opened_at >= start,
            MediaReveal.opened_at < end)
    overrides = select(
        literal("override", String), no_time, no_time,
        cast(ExposureOverride.extra_seconds, Float), no_number,
    ).where(ExposureOverride.user_id == user_id, ExposureOverride.day == day)
    preference = select(
        literal("preference", String), no_time, no_time,
        cast(ReviewerPreference.budget_seconds, Float), no_number,
    ).where(ReviewerPreference.user_id == user_id)
    query = union_all(reveals, overrides, preference).subquery()
    rows = session.execute(select(
        query.c.kind, type_coerce(query.c.at, UTCDateTime()),
        type_coerce(query.c.ended_at, UTCDateTime()), query.c.seconds, query.c.limit))
    return [ExposureRow(kind, at, ended_at, seconds, limit)
            for kind, at, ended_at, seconds, limit in rows]


def open_reveal(session: Session, user_id: int) -> MediaReveal | None:
    """The reviewer's open reveal (at most one: a unique slot per user), locked for update."""
    return session.scalar(select(MediaReveal).where(
        MediaReveal.user_id == user_id, MediaReveal.open_slot.is_(True)).with_for_update())


def preference(session: Session, user_id: int) -> ReviewerPreference | None:
    return session.get(ReviewerPreference, user_id)


def overrides_on(session: Session, day: dt.date) -> list[ExposureOverride]:
    return list(session.scalars(select(ExposureOverride).where(ExposureOverride.day == day)
                                .order_by(ExposureOverride.id.desc())))


# --- the review-once queue ----------------------------------------------------------------------

def reviewed(cluster_id: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """A cluster an analyst has classified: reviewed once, for all its files and reporters."""
    return exists().where(MediaFact.cluster_id == cluster_id, MediaFact.source == "analyst")


@dataclass(frozen=True)
class QueueRow:
    cluster_id: int
    kind: str
    known: bool  # matched a bank: already-known material; else new material
    files: int
    reports: int
    level: str | None  # the most urgent case's level
    deadline: dt.datetime | None
    case_id: int  # the lowest id among its open cases


def review_queue(session: Session, only: ColumnElement[bool], limit: int,
                 offered: ColumnElement[bool] | None = None) -> list[QueueRow]:
    """Clusters no analyst has classified yet, in open cases the viewer may see (`only`), and
    `offered` to this reviewer (nobody else holds them): the most urgent case first, new
    material before known, then the nearest deadline."""
    level = func.min(func.coalesce(Case.priority_level, "P9"))
    deadline = type_coerce(func.min(Case.deadline), UTCDateTime())
    stmt = (select(MediaCluster.id, MediaCluster.kind, MediaCluster.known, MediaCluster.files,
                   MediaCluster.reports, level, deadline, func.min(Case.id))
            .join(ClusterMember, ClusterMember.cluster_id == MediaCluster.id)
            .join(CaseReport, CaseReport.report_id == ClusterMember.report_id)
            .join(Case, Case.id == CaseReport.case_id)
            .where(MediaCluster.merged_into_id.is_(None),
                   Case.status.notin_(CLOSED_CASE_STATUSES), only,
                   ~reviewed(MediaCluster.id), true() if offered is None else offered)
            .group_by(MediaCluster.id, MediaCluster.kind, MediaCluster.known,
                      MediaCluster.files, MediaCluster.reports)
            .order_by(level, MediaCluster.known,
                      case((func.min(Case.deadline).is_(None), 1), else_=0),
                      func.min(Case.deadline), MediaCluster.id)
            .limit(limit))
    return [QueueRow(cid, kind, bool(known), files, reports,
                     None if lvl == "P9" else lvl, when, case_id)
            for cid, kind, known, files, reports, lvl, when, case_id in session.execute(stmt)]


def cluster_files(session: Session, cluster_id: int, only: ColumnElement[bool]
                  ) -> list[ReportFile]:
    """The cluster's files the viewer may see (`only` on ReportFile), oldest first."""
    return list(session.scalars(
        select(ReportFile).join(ClusterMember, and_(ClusterMember.file_id == ReportFile.id))
        .where(ClusterMember.cluster_id == cluster_id, only)
        .order_by(ReportFile.uploaded_at, ReportFile.id)))


def latest_review(session: Session, cluster_id: int) -> MediaFact | None:
    return session.scalar(select(MediaFact).where(
        MediaFact.cluster_id == cluster_id, MediaFact.source == "analyst")
        .order_by(MediaFact.id.desc()).limit(1))


def clusters_of_file(session: Session, file_id: str) -> list[int]:
    """The live clusters a file belongs to (one, unless clustering has yet to merge them)."""
    return list(session.scalars(
        select(ClusterMember.cluster_id).join(MediaCluster,
                                              MediaCluster.id == ClusterMember.cluster_id)
        .where(ClusterMember.file_id == file_id, MediaCluster.merged_into_id.is_(None))
        .distinct()))
