"""Media review's domain logic: reveals and their ends, the exposure budget, overrides,
preferences and reviews of whole clusters. Never commits (the use cases do)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.audit.service import Actor, record
from tipline.classification import service as classification
from tipline.errors import Forbidden, Invalid, NotFound
from tipline.reports.models import ReportFile
from tipline.review import rules, store
from tipline.review.models import ExposureOverride, MediaReveal, ReviewerPreference
from tipline.users.models import User
from tipline.users.rules import CASE_ROLES
from tipline.users.service import StaffUser


class ExposureExhausted(Forbidden):
    """A reveal past the reviewer's exposure budget for the day (403)."""


class RevealEnded(Forbidden):
    """An original asked for outside an open reveal of it (403)."""


def exposure(session: Session, policy: rules.WellnessPolicy, user_id: int,
             now: dt.datetime) -> rules.Exposure:
    return rules.exposure(policy, store.exposure_rows(session, user_id, now.date()), now)


# --- reveals ----------------------------------------------------------------------------------

def close_reveal(session: Session, actor: Actor, reveal: MediaReveal, now: dt.datetime,
                 why: str) -> MediaReveal:
    """End a reveal (once): its duration, never past its limit, is written and audited."""
    if reveal.closed_at is not None:
        return reveal
    elapsed = max(0.0, (now - reveal.opened_at).total_seconds())
    if elapsed >= reveal.limit_seconds:
        why = "limit"
    reveal.seconds = round(min(elapsed, reveal.limit_seconds), 1)
    reveal.closed_at = now
    reveal.closed_by = why
    reveal.open_slot = None
    session.flush()
    record(session, actor, "media.reveal_end", "file", reveal.file_id, reveal_id=reveal.id,
           user_id=reveal.user_id, seconds=reveal.seconds, closed_by=why)
    return reveal


def open_reveal(session: Session, policy: rules.WellnessPolicy, user: StaffUser,
                actor: Actor, file: ReportFile, now: dt.datetime) -> MediaReveal:
    """Reveal one file's original to the reviewer: their reveal open before ends first (one
    item at a time); past the day's budget the reveal is refused."""
    previous = store.open_reveal(session, user.id)
    if previous is not None:
        close_reveal(session, actor, previous, now, "next")
    spent = exposure(session, policy, user.id, now)
    if spent.exhausted:
        raise ExposureExhausted(rules.exhausted_message(spent))
    reveal = MediaReveal(user_id=user.id, file_id=file.id, opened_at=now,
                         limit_seconds=rules.reveal_limit(policy, spent.left_seconds),
                         open_slot=True)
    session.add(reveal)
    session.flush()
    record(session, actor, "media.reveal", "file", file.id, reveal_id=reveal.id,
           user_id=user.id, username=user.username, limit_seconds=reveal.limit_seconds)
    return reveal


def record_refusal(session: Session, actor: Actor, user: StaffUser, file_id: str,
                   reason: str) -> None:
    record(session, actor, "media.reveal_refused", "file", file_id, user_id=user.id,
           reason=reason)


def own_reveal(session: Session, user: StaffUser, reveal_id: int) -> MediaReveal:
    """One of the reviewer's own reveals (anyone else's does not exist for them)."""
    # Locked: a re-blur and the next reveal may race to end it; it ends (and is audited) once.
    reveal = session.get(MediaReveal, reveal_id, with_for_update=True)
    if reveal is None or reveal.user_id != user.id:
        raise NotFound(f"reveal {reveal_id} does not exist")
    return reveal


def check_serving(session: Session, actor: Actor, reveal: MediaReveal,
                  now: dt.datetime) -> None:
    """The original is served only while its reveal is open and within its limit; one past
    its limit is closed at the limit here."""
    if reveal.closed_at is None and (now - reveal.opened_at).total_seconds() >= \
            reveal.limit_seconds:
        close_reveal(session, actor, reveal, now, "limit")
    if reveal.closed_at is not None:
        raise RevealEnded("this reveal has ended and the file is blurred again; reveal it "
                          "again to see it")


# --- the reviewer's settings and a supervisor's override ---------------------------------------

def set_preferences(session: Session, policy: rules.WellnessPolicy, user: StaffUser,
                    actor: Actor, blur_level: int | None, budget_seconds: int | None
                    ) -> ReviewerPreference:
    try:
        blur = None if blur_level is None else rules.check_blur_level(policy, blur_level)
        budget = None if budget_seconds is None else rules.check_budget(policy, budget_seconds)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    found = store.preference(session, user.id)
    if found is None:
        found = ReviewerPreference(user_id=user.id)
        session.add(found)
    found.blur_level, found.budget_seconds = blur, budget
    found.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    record(session, actor, "review.preferences", "user", user.id, blur_level=blur,
           budget_seconds=budget)
    return found


def reviewer_named(session: Session, username: str) -> User:
    found = session.scalar(select(User).where(User.username == username.strip()))
    if found is None or not found.active or found.role not in CASE_ROLES:
        raise NotFound(f"no active reviewer {username.strip()!r}")
    return found


@dataclass(frozen=True)
class OverrideRequest:
    username: str
    extra_seconds: int
    reason: str


def grant_override(session: Session, supervisor: StaffUser, actor: Actor,
                   asked: OverrideRequest, day: dt.date) -> ExposureOverride:
    """More revealed seconds for one reviewer and day, granted by a supervisor (audited)."""
    if asked.extra_seconds <= 0 or asked.extra_seconds > 86400:
        raise Invalid("an override grants between 1 and 86400 seconds")
    if not asked.reason.strip():
        raise Invalid("an override needs a reason")
    reviewer = reviewer_named(session, asked.username)
    row = ExposureOverride(user_id=reviewer.id, day=day, extra_seconds=asked.extra_seconds,
                           reason=asked.reason.strip(), granted_by=supervisor.username)
    session.add(row)
    session.flush()
    record(session, actor, "exposure.override", "user", reviewer.id,
           username=reviewer.username, day=day.isoformat(), extra_seconds=asked.extra_seconds,
           reason=row.reason, granted_by=supervisor.username)
    return row


# --- reviews of whole clusters ------------------------------------------------------------------

@dataclass(frozen=True)
class ClusterReview:
    label: str | None
    age_band: str
    activity: str
    nature: str
    note: str | None = None


def review_cluster(session: Session, user: StaffUser, actor: Actor, cluster_id: int,
                   asked: ClusterReview) -> classification.ReviewOutcome:
    """Record a review once for the whole cluster: it applies to every file in it, from every
    reporter, and takes the cluster out of the review queue."""
    try:
        age_band, activity, nature = rules.review_facts(asked.label, asked.age_band,
                                                        asked.activity, asked.nature)
        note = " ".join(filter(None, [f"industry={asked.label.upper()}" if asked.label
                                      else None, asked.note])) or None
        return classification.record_review(session, user, actor, age_band=age_band,
                                            activity=activity, nature=nature, note=note,
                                            cluster_id=cluster_id)
    except ValueError as exc:  # a value outside the vocabulary or a label that disagrees
        raise Invalid(str(exc)) from exc
