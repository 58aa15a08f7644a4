"""Helpers of the media review tests: a world of reports through the real pipeline, in which
two reporters sent the same image (one media cluster across reporters), and reviewers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from linking_support import login, run, submit
from staff_support import add_user
from tipline.clusters.models import ClusterMember
from tipline.review.service import ClusterReview
from tipline.state import AppState
from tipline.users.models import User
from tipline.users.service import StaffUser, staff_user

from factories import png_bytes

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
A1_REAL = ClusterReview(label="A1", age_band="unknown", activity="unknown", nature="real")


@dataclass(frozen=True)
class World:
    shared_cluster: int  # the image both reporters sent
    other_cluster: int  # an image only one reporter sent
    shared_files: list[str]


def world(state: AppState) -> World:
    first, second = login(state, "platform-a"), login(state, "platform-b")
    shared, other = png_bytes(seed=3, size=96), png_bytes(seed=11, size=96)
    submit(state, first, {"shared.png": shared, "other.png": other}, account="suspect-1")
    submit(state, second, {"copy.png": shared}, account="suspect-2")
    run(state)
    with state.db.sessions() as session:
        rows = session.execute(select(ClusterMember.cluster_id, ClusterMember.file_id)
                               .order_by(ClusterMember.joined_at)).all()
    by_cluster: dict[int, list[str]] = {}
    for cluster_id, file_id in rows:
        by_cluster.setdefault(cluster_id, []).append(file_id)
    shared_cluster = next(c for c, files in by_cluster.items() if len(files) == 2)
    other_cluster = next(c for c in by_cluster if c != shared_cluster)
    return World(shared_cluster, other_cluster, by_cluster[shared_cluster])


def staff(state: AppState, username: str, role: str = "analyst") -> StaffUser:
    add_user(state, username, role)
    with state.db.sessions() as session:
        found = session.scalar(select(User).where(User.username == username))
        assert found is not None
        return staff_user(found)
