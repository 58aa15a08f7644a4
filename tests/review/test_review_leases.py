"""One reviewer per media cluster, on both databases: "review next" hands two reviewers
different clusters, a held cluster is neither offered nor revealable nor classifiable by
another, and leaving, classifying, logging out or the lease running out frees it."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from review_support import A1_REAL, T0, World, staff, world
from tipline.audit.service import Actor
from tipline.review import usecases
from tipline.review.leases import ClusterHeld
from tipline.state import AppState
from tipline.users.service import StaffUser


def later(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def media(state: AppState) -> World:
    return world(state)


def offered(state: AppState, user: StaffUser, now: dt.datetime) -> set[int]:
    page = usecases.queue(state.db, state.settings, user, now=now)
    return {row.cluster_id for row in page.rows}


def test_review_next_hands_two_reviewers_different_clusters(state: AppState,
                                                            media: World) -> None:
    first, second, third = staff(state, "rev-a"), staff(state, "rev-b"), staff(state, "rev-c")
    taken_first = usecases.take_next(state.db, state.settings, first, now=T0)
    taken_second = usecases.take_next(state.db, state.settings, second, now=T0)
    assert {taken_first, taken_second} == {media.shared_cluster, media.other_cluster}
    assert usecases.take_next(state.db, state.settings, third, now=T0) is None
    # Each sees the one it holds in the queue, never the other's.
    assert offered(state, first, T0) == {taken_first}
    assert offered(state, third, T0) == set()


def test_concurrent_takes_never_share_a_cluster(state: AppState, media: World) -> None:
    reviewers = [staff(state, f"rev-{n}") for n in range(4)]
    taken: list[int | None] = []
    lock = threading.Lock()

    def take(user: StaffUser) -> None:
        got = usecases.take_next(state.db, state.settings, user, now=T0)
        with lock:
            taken.append(got)

    threads = [threading.Thread(target=take, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    held = [cluster for cluster in taken if cluster is not None]
    assert len(taken) == 4
    assert sorted(held) == sorted({media.shared_cluster, media.other_cluster})


def test_a_held_cluster_refuses_another_reviewers_reveal_and_classification(
        state: AppState, media: World) -> None:
    holder, other = staff(state, "rev-holder"), staff(state, "rev-other")
    page = usecases.cluster(state.db, state.settings, holder, media.shared_cluster, now=T0)
    assert page.held_by is None  # opening it made it the holder's
    seen = usecases.cluster(state.db, state.settings, other, media.shared_cluster,
                            now=later(1))
    assert seen.held_by is not None and seen.held_by[0] == "rev-holder"
    with pytest.raises(ClusterHeld, match="rev-holder"):
        usecases.reveal(state.db, state.settings, other, other.actor(), media.shared_files[0],
                        now=later(1))
    with pytest.raises(ClusterHeld):
        usecases.classify(state.db, state.settings, other, other.actor(),
                          media.shared_cluster, A1_REAL, now=later(1))
    # The holder's reveal renews the lease past the first one's end.
    usecases.reveal(state.db, state.settings, holder, holder.actor(), media.shared_files[0],
                    now=later(10))
    lease = state.settings.review_lease_minutes
    assert usecases.cluster(state.db, state.settings, other, media.shared_cluster,
                            now=later(lease + 5)).held_by is not None
    # Once the lease runs out, the other reviewer may take the cluster over.
    assert usecases.cluster(state.db, state.settings, other, media.shared_cluster,
                            now=later(10 + lease + 1)).held_by is None
    with pytest.raises(ClusterHeld, match="rev-other"):
        usecases.classify(state.db, state.settings, holder, holder.actor(),
                          media.shared_cluster, A1_REAL, now=later(10 + lease + 2))


def test_leaving_classifying_and_logging_out_free_the_cluster(state: AppState,
                                                             media: World) -> None:
    first, second = staff(state, "rev-first"), staff(state, "rev-second")
    assert usecases.take_next(state.db, state.settings, first, now=T0) is not None
    taken = usecases.take_next(state.db, state.settings, first, now=T0)  # renews, same one
    assert taken is not None
    usecases.leave(state.db, first, taken)
    assert taken in offered(state, second, T0)

    usecases.cluster(state.db, state.settings, first, media.shared_cluster, now=T0)
    usecases.classify(state.db, state.settings, first, first.actor(), media.shared_cluster,
                      A1_REAL, now=T0)
    # Classified: reviewed once, so offered to nobody; and no longer held by anyone.
    assert media.shared_cluster not in offered(state, second, T0)
    assert usecases.cluster(state.db, state.settings, second, media.shared_cluster,
                            now=T0).held_by is None

    usecases.cluster(state.db, state.settings, first, media.other_cluster, now=T0)
    assert media.other_cluster not in offered(state, second, T0)
    usecases.release_work_of(state.db, first.id, Actor(f"user:{first.id}", None))
    assert media.other_cluster in offered(state, second, T0)


def test_next_lets_go_of_the_cluster_left(state: AppState, media: World) -> None:
    first, second = staff(state, "rev-one"), staff(state, "rev-two")
    left = usecases.take_next(state.db, state.settings, first, now=T0)
    following = usecases.take_next(state.db, state.settings, first, leaving=left, now=T0)
    assert following is not None and following != left
    assert left in offered(state, second, T0)
