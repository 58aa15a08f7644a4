"""Review leases: a media cluster opened for review is its reviewer's until they classify
it, leave it, log out or stop acting on it for `review_lease_minutes`. Two reviewers never
hold one cluster at once, so nobody reviews (and is exposed to) what a colleague already is.
Never commits (the use cases do)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, case, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from tipline.errors import Conflict
from tipline.review.models import ReviewLease
from tipline.users.models import User


class ClusterHeld(Conflict):
    """Another reviewer holds the cluster (409)."""


def free_for(user_id: int, now: dt.datetime,
             cluster_id: ColumnElement[Any] | InstrumentedAttribute[Any]
             ) -> ColumnElement[bool]:
    """A cluster nobody else holds now (the queue's filter: what others hold is not offered)."""
    return ~exists().where(ReviewLease.cluster_id == cluster_id, ReviewLease.user_id != user_id,
                           ReviewLease.lease_until > now)


def holder(session: Session, cluster_id: int, now: dt.datetime) -> tuple[str, dt.datetime] | None:
    """Who holds the cluster now, and until when (None: nobody)."""
    row = session.execute(
        select(User.username, ReviewLease.lease_until).join(User, User.id == ReviewLease.user_id)
        .where(ReviewLease.cluster_id == cluster_id, ReviewLease.lease_until > now)).first()
    return (row[0], row[1]) if row else None


def try_claim(session: Session, cluster_id: int, user_id: int, lease: dt.timedelta,
              now: dt.datetime) -> bool:
    """Hold the cluster (or renew one's own lease); False when someone else holds it. Safe
    against a concurrent claim: the primary key lets only one insert win."""
    renewed = session.execute(
        update(ReviewLease)
        .where(ReviewLease.cluster_id == cluster_id,
               or_(ReviewLease.user_id == user_id, ReviewLease.lease_until <= now))
        .values(lease_until=now + lease,
                taken_at=case((ReviewLease.user_id == user_id, ReviewLease.taken_at), else_=now),
                user_id=user_id)
        .execution_options(synchronize_session=False))
    if getattr(renewed, "rowcount", 0):
        return True
    if session.scalar(select(ReviewLease.user_id).where(ReviewLease.cluster_id == cluster_id)):
        return False
    try:
        with session.begin_nested():
            session.add(ReviewLease(cluster_id=cluster_id, user_id=user_id, taken_at=now,
                                    lease_until=now + lease))
    except IntegrityError:  # another reviewer's claim committed first
        return False
    return True


def claim(session: Session, cluster_id: int, user_id: int, lease: dt.timedelta,
          now: dt.datetime) -> None:
    """Hold the cluster to act on it; 409 when someone else holds it."""
    if try_claim(session, cluster_id, user_id, lease, now):
        return
    held = holder(session, cluster_id, now)
    who = f"{held[0]} until {held[1]:%H:%M} UTC" if held else "another reviewer"
    raise ClusterHeld(f"cluster {cluster_id} is being reviewed by {who}; take another one "
                      "from the review queue")


def release(session: Session, cluster_id: int, user_id: int) -> None:
    """The reviewer lets the cluster go (classified or left); someone else's lease stays."""
    session.execute(delete(ReviewLease).where(ReviewLease.cluster_id == cluster_id,
                                              ReviewLease.user_id == user_id))


def release_all(session: Session, user_id: int) -> int:
    """Every cluster the reviewer holds goes back to the queue (their session ended)."""
    gone = session.execute(delete(ReviewLease).where(ReviewLease.user_id == user_id))
    return int(getattr(gone, "rowcount", 0) or 0)
