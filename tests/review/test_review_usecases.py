"""Media review use cases on both databases: audited reveals with durations, the exposure
budget (an unclosed reveal, refusal, a supervisor's override), originals only while a reveal
is open, the review-once queue and access."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from review_support import A1_REAL, T0, World, staff, world
from tipline.audit.models import AuditEvent
from tipline.classification import usecases as classification
from tipline.errors import Forbidden, Invalid, NotFound
from tipline.review import usecases
from tipline.review.service import (
    ClusterReview,
    ExposureExhausted,
    OverrideRequest,
    RevealEnded,
)
from tipline.state import AppState
from tipline.workqueue.models import PENDING, WorkItem


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def events(state: AppState, action: str) -> list[AuditEvent]:
    with state.db.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                    .order_by(AuditEvent.id)))


@pytest.fixture
def media(state: AppState) -> World:
    return world(state)


def test_a_reveal_is_audited_with_its_duration(state: AppState, media: World) -> None:
    analyst = staff(state, "rev-1")
    file_id = media.shared_files[0]
    opened = usecases.reveal(state.db, state.settings, analyst, analyst.actor(), file_id,
                             now=T0)
    assert opened.reveal.limit_seconds == state.settings.reveal_cap_seconds
    usecases.end_reveal(state.db, analyst, analyst.actor(), opened.reveal.id, "reblur",
                        now=later(12.5))
    [start] = events(state, "media.reveal")
    [end] = events(state, "media.reveal_end")
    assert (start.object_id, start.detail["user_id"]) == (file_id, analyst.id)
    assert end.detail == {"reveal_id": opened.reveal.id, "user_id": analyst.id,
                          "seconds": 12.5, "closed_by": "reblur"}
    # Ending it again changes nothing.
    usecases.end_reveal(state.db, analyst, analyst.actor(), opened.reveal.id, "leave",
                        now=later(40))
    assert len(events(state, "media.reveal_end")) == 1
    page = usecases.queue(state.db, state.settings, analyst, now=later(50))
    assert page.wellness.exposure.used_seconds == 12.5


def test_an_unclosed_reveal_counts_at_its_cap_and_the_next_one_closes_it(
        state: AppState, media: World) -> None:
    analyst = staff(state, "rev-2")
    first, second = media.shared_files
    usecases.reveal(state.db, state.settings, analyst, analyst.actor(), first, now=T0)
    page = usecases.queue(state.db, state.settings, analyst, now=later(3600))
    assert page.wellness.exposure.used_seconds == state.settings.reveal_cap_seconds
    usecases.reveal(state.db, state.settings, analyst, analyst.actor(), second,
                    now=later(3600))
    [end] = events(state, "media.reveal_end")
    assert end.detail["seconds"] == state.settings.reveal_cap_seconds
    assert end.detail["closed_by"] == "limit"


def test_the_original_is_served_only_while_its_reveal_is_open(state: AppState,
                                                             media: World) -> None:
    analyst, other = staff(state, "rev-3"), staff(state, "rev-4")
    opened = usecases.reveal(state.db, state.settings, analyst, analyst.actor(),
                             media.shared_files[0], now=T0)
    served = usecases.original(state.db, state.evidence, analyst, analyst.actor(),
                               opened.reveal.id, now=later(5))
    assert served.media_type == "image/png" and b"".join(served.chunks).startswith(b"\x89PNG")
    with pytest.raises(NotFound):  # another reviewer's reveal does not exist for them
        usecases.original(state.db, state.evidence, other, other.actor(), opened.reveal.id,
                          now=later(5))
    with pytest.raises(RevealEnded):  # past its limit: closed at the limit, not served
        usecases.original(state.db, state.evidence, analyst, analyst.actor(),
                          opened.reveal.id, now=later(61))
    assert events(state, "media.reveal_end")[0].detail["seconds"] == 60


def test_reveals_past_the_budget_are_refused_until_a_supervisor_grants_more(
        state: AppState, media: World) -> None:
    settings = state.settings.model_copy(update={"exposure_budget_seconds": 30})
    analyst, supervisor = staff(state, "rev-5"), staff(state, "boss-1", "supervisor")
    file_id = media.shared_files[0]
    opened = usecases.reveal(state.db, settings, analyst, analyst.actor(), file_id, now=T0)
    assert opened.reveal.limit_seconds == 30  # never longer than what is left
    usecases.end_reveal(state.db, analyst, analyst.actor(), opened.reveal.id, "reblur",
                        now=later(45))
    with pytest.raises(ExposureExhausted, match="exposure budget for today is used up"):
        usecases.reveal(state.db, settings, analyst, analyst.actor(), file_id, now=later(60))
    assert len(events(state, "media.reveal_refused")) == 1
    asked = OverrideRequest("rev-5", 120, "urgent case: a child in danger")
    with pytest.raises(Forbidden):  # a reviewer never raises their own budget
        usecases.grant_override(state.db, analyst, analyst.actor(), asked, now=later(70))
    usecases.grant_override(state.db, supervisor, supervisor.actor(), asked, now=later(70))
    [granted] = events(state, "exposure.override")
    assert granted.detail["extra_seconds"] == 120 and granted.detail["granted_by"] == "boss-1"
    again = usecases.reveal(state.db, settings, analyst, analyst.actor(), file_id,
                            now=later(80))
    assert again.reveal.limit_seconds == 60
    # The override is for that day only: the next day has the budget alone.
    tomorrow = usecases.reveal(state.db, settings, analyst, analyst.actor(), file_id,
                               now=later(86400))
    assert tomorrow.reveal.limit_seconds == 30


def test_the_own_budget_is_within_the_organisations(state: AppState, media: World) -> None:
    analyst = staff(state, "rev-6")
    usecases.set_preferences(state.db, state.settings, analyst, analyst.actor(), 6, 10)
    opened = usecases.reveal(state.db, state.settings, analyst, analyst.actor(),
                             media.shared_files[0], now=T0)
    assert opened.reveal.limit_seconds == 10
    page = usecases.queue(state.db, state.settings, analyst, now=later(1))
    assert page.wellness.blur_level == 6


def test_a_cluster_is_reviewed_once_for_every_reporter(state: AppState, media: World) -> None:
    analyst = staff(state, "rev-7")
    queued = [r.cluster_id for r in usecases.queue(state.db, state.settings, analyst).rows]
    assert set(queued) == {media.shared_cluster, media.other_cluster}
    usecases.classify(state.db, state.settings, analyst, analyst.actor(), media.shared_cluster,
                      A1_REAL)
    queued = [r.cluster_id for r in usecases.queue(state.db, state.settings, analyst).rows]
    assert queued == [media.other_cluster]  # files of a classified cluster are not queued
    for file_id in media.shared_files:  # both reporters' copies carry the review
        found = classification.classification(state.db, analyst, file_id, ["US"])
        assert (found.effective.age_band, found.effective.activity,
                found.effective.nature) == ("prepubescent", "sexual_act", "real")
        assert found.verdicts and found.verdicts[0].status == "illegal"
    page = usecases.cluster(state.db, state.settings, analyst, media.shared_cluster)
    assert page.review is not None and page.review.note == "industry=A1"
    assert page.classification is not None and page.next_cluster_id == media.other_cluster
    with state.db.sessions() as session:  # its cases' re-triage is queued
        assert session.scalar(select(WorkItem.id).where(WorkItem.status == PENDING))


def test_agency_users_never_see_the_review_queue(state: AppState, media: World) -> None:
    agency = staff(state, "agency-1", "agency")
    with pytest.raises(Forbidden):
        usecases.queue(state.db, state.settings, agency)
    with pytest.raises(Forbidden):
        usecases.cluster(state.db, state.settings, agency, media.shared_cluster)
    with pytest.raises(Forbidden):
        usecases.reveal(state.db, state.settings, agency, agency.actor(),
                        media.shared_files[0])


@pytest.mark.parametrize(("label", "age", "activity"), [
    ("A1", "prepubescent", "sexual_act"), ("A2", "prepubescent", "lascivious"),
    ("B1", "pubescent", "sexual_act"), ("B2", "pubescent", "lascivious")])
def test_industry_labels_are_recorded_as_facts(state: AppState, media: World, label: str,
                                               age: str, activity: str) -> None:
    analyst = staff(state, "rev-8")
    asked = ClusterReview(label=label, age_band="unknown", activity="unknown",
                          nature="generated")
    fact = usecases.classify(state.db, state.settings, analyst, analyst.actor(),
                             media.shared_cluster, asked)
    assert (fact.age_band, fact.activity, fact.nature, fact.note) == (
        age, activity, "generated", f"industry={label}")
    with pytest.raises(Invalid, match=f"label {label} says age band"):
        usecases.classify(state.db, state.settings, analyst, analyst.actor(),
                          media.shared_cluster,
                          ClusterReview(label=label, age_band="adult", activity="unknown",
                                        nature="real"))
