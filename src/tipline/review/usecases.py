"""Media review use cases: one transaction (or read session) each, access decided by
`tipline.access` (centre staff with a case role review; nobody else sees the queue)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline import access
from tipline.audit.service import Actor
from tipline.cases import casework
from tipline.classification import service as classification
from tipline.classification.models import MediaFact
from tipline.clusters.models import MediaCluster
from tipline.db import Database
from tipline.errors import DomainError, Forbidden
from tipline.evidence.service import read_evidence
from tipline.evidence.store import EvidenceStore
from tipline.hashing.errors import MediaError
from tipline.reports.models import ReportFile
from tipline.review import leases, render, rules, service, store
from tipline.review.models import ExposureOverride, MediaReveal, ReviewerPreference
from tipline.settings import Settings
from tipline.triage.service import request_retriage
from tipline.users.models import User
from tipline.users.service import StaffUser, staff_user

QUEUE_SHOWN = 50
TAKE_CANDIDATES = 20  # clusters tried by `take_next` before it says none is free


class NoSafeRendition(DomainError):
    """The file has no blurred rendition (not an image or video this service can render)."""

    code, http_status, kind = 4000, 415, "unsupported_media_type"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _reviewer(session: Session, user: StaffUser) -> access.Viewer:
    viewer = access.staff_viewer(session, user)
    access.check_review(viewer)
    return viewer


@dataclass(frozen=True)
class Wellness:
    """What the page shows of the reviewer's wellness settings and exposure today."""

    exposure: rules.Exposure
    blur_level: int
    own_budget: int | None
    policy: rules.WellnessPolicy


def _wellness(session: Session, policy: rules.WellnessPolicy, user: StaffUser,
              now: dt.datetime) -> Wellness:
    chosen = store.preference(session, user.id)
    return Wellness(service.exposure(session, policy, user.id, now),
                    rules.blur_level(policy, chosen.blur_level if chosen else None),
                    chosen.budget_seconds if chosen else None, policy)


@dataclass(frozen=True)
class QueuePage:
    rows: list[store.QueueRow]
    wellness: Wellness


def _lease(settings: Settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings.review_lease_minutes)


def queue(db: Database, settings: Settings, user: StaffUser,
          now: dt.datetime | None = None) -> QueuePage:
    """The clusters waiting for review (never one already classified, nor one another
    reviewer holds), most urgent first."""
    with db.sessions() as session:
        viewer = _reviewer(session, user)
        rows = store.review_queue(session, access.visible_cases(viewer), QUEUE_SHOWN,
                                  leases.free_for(user.id, _now(now), MediaCluster.id))
        policy = rules.WellnessPolicy.from_settings(settings)
        return QueuePage(rows, _wellness(session, policy, user, _now(now)))


def take_next(db: Database, settings: Settings, user: StaffUser, leaving: int | None = None,
              now: dt.datetime | None = None) -> int | None:
    """Hold the most urgent cluster nobody holds (None: nothing is waiting), letting go of
    the one the reviewer is `leaving`. Two reviewers asking at once get different clusters:
    a claim another won is skipped."""
    moment = _now(now)
    with db.transaction() as session:
        viewer = _reviewer(session, user)
        if leaving is not None:
            leases.release(session, leaving, user.id)
        waiting = store.review_queue(session, access.visible_cases(viewer), TAKE_CANDIDATES,
                                     leases.free_for(user.id, moment, MediaCluster.id))
        for row in waiting:
            if row.cluster_id == leaving:  # moving on: the next one, not the one left
                continue
            if leases.try_claim(session, row.cluster_id, user.id, _lease(settings), moment):
                return row.cluster_id
        return None


def leave(db: Database, user: StaffUser, cluster_id: int) -> None:
    """The reviewer lets the cluster go back to the queue."""
    with db.transaction() as session:
        access.cluster(session, _reviewer(session, user), cluster_id)
        leases.release(session, cluster_id, user.id)


def release_work_of(db: Database, user_id: int, actor: Actor) -> None:
    """A page session ends (logout): the cases taken from the worklist and the clusters
    held for review go back to their queues (cases assigned by a supervisor stay)."""
    with db.transaction() as session:
        found = session.get(User, user_id)
        if found is None:
            return
        casework.release_leases(session, staff_user(found), actor, "logout")
        leases.release_all(session, user_id)


@dataclass(frozen=True)
class FileView:
    file: ReportFile
    may_open: bool
    why_not: str


@dataclass(frozen=True)
class ClusterPage:
    cluster: MediaCluster
    files: list[FileView]
    review: MediaFact | None  # the analyst's review, once recorded
    classification: classification.Classification | None
    next_cluster_id: int | None
    wellness: Wellness
    revealed: MediaReveal | None  # the reveal asked for, while it is open (pages without JS)
    held_by: tuple[str, dt.datetime] | None  # another reviewer holding it: name, until


def _shown_reveal(session: Session, user: StaffUser, reveal_id: int | None,
                  now: dt.datetime) -> MediaReveal | None:
    if reveal_id is None:
        return None
    found = session.get(MediaReveal, reveal_id)
    if found is None or found.user_id != user.id or found.closed_at is not None:
        return None
    return found if (now - found.opened_at).total_seconds() < found.limit_seconds else None


def cluster(db: Database, settings: Settings, user: StaffUser, cluster_id: int,
            now: dt.datetime | None = None, reveal_id: int | None = None) -> ClusterPage:
    """One cluster to review: its files (blurred), its review and verdicts once recorded.
    Opening it holds it for the reviewer, unless another reviewer holds it already (then the
    page says who, and reveals and classifications are refused)."""
    moment = _now(now)
    with db.transaction() as session:
        viewer = _reviewer(session, user)
        found = access.cluster(session, viewer, cluster_id)
        mine = leases.try_claim(session, found.id, user.id, _lease(settings), moment)
        files = []
        for file in store.cluster_files(session, found.id, access.visible_files(viewer)):
            gate = classification.can_open(session, user, file)
            files.append(FileView(file, gate.allowed, "" if gate.allowed else gate.reason))
        review = store.latest_review(session, found.id)
        verdicts = classification.classify_file(session, files[0].file.id) \
            if review is not None and files else None
        waiting = [row.cluster_id for row in store.review_queue(
            session, access.visible_cases(viewer), 2,
            leases.free_for(user.id, moment, MediaCluster.id)) if row.cluster_id != found.id]
        policy = rules.WellnessPolicy.from_settings(settings)
        return ClusterPage(found, files, review, verdicts, waiting[0] if waiting else None,
                           _wellness(session, policy, user, moment),
                           _shown_reveal(session, user, reveal_id, moment),
                           None if mine else leases.holder(session, found.id, moment))


def _openable(session: Session, user: StaffUser, file_id: str) -> ReportFile:
    """A file the reviewer may see (404 otherwise) and open (legal gate; 403 otherwise)."""
    viewer = _reviewer(session, user)
    file = access.file(session, viewer, file_id)
    access.check_open_content(viewer)
    decision = classification.can_open(session, user, file)
    if not decision.allowed:
        raise Forbidden(decision.reason)
    return file


def safe_image(db: Database, evidence: EvidenceStore, settings: Settings, user: StaffUser,
               actor: Actor, file_id: str) -> bytes:
    """The file's blurred greyscale rendition at the reviewer's blur level (the read is
    audited; rendering happens after the commit)."""
    with db.transaction() as session:
        file = _openable(session, user, file_id)
        chosen = store.preference(session, user.id)
        level = rules.blur_level(rules.WellnessPolicy.from_settings(settings),
                                 chosen.blur_level if chosen else None)
        data = b"".join(read_evidence(session, evidence, actor, file.sha256,
                                      purpose=f"blurred rendition for review of file "
                                              f"{file_id}"))
    try:
        return render.safe_png(data, level)
    except MediaError as exc:
        raise NoSafeRendition(f"no blurred rendition of this file ({exc})") from exc


def _hold_clusters_of(session: Session, settings: Settings, user: StaffUser,
                      file: ReportFile, now: dt.datetime) -> None:
    """A reveal is an act of review: the file's cluster must be the reviewer's (409 when
    another reviewer holds it), and the lease runs on."""
    for cluster_id in store.clusters_of_file(session, file.id):
        leases.claim(session, cluster_id, user.id, _lease(settings), now)


@dataclass(frozen=True)
class Revealed:
    reveal: MediaReveal
    file: ReportFile


def reveal(db: Database, settings: Settings, user: StaffUser, actor: Actor, file_id: str,
           now: dt.datetime | None = None) -> Revealed:
    """Open a reveal of one file's original (audited `media.reveal`); the reviewer's previous
    reveal ends. Past the day's budget it is refused (403) and the refusal audited."""
    policy = rules.WellnessPolicy.from_settings(settings)
    with db.transaction() as session:
        file = _openable(session, user, file_id)
        _hold_clusters_of(session, settings, user, file, _now(now))
        try:
            return Revealed(service.open_reveal(session, policy, user, actor, file, _now(now)),
                            file)
        except service.ExposureExhausted as exc:
            service.record_refusal(session, actor, user, file_id, exc.message)
            refused = exc
    raise refused


def end_reveal(db: Database, user: StaffUser, actor: Actor, reveal_id: int, why: str,
               now: dt.datetime | None = None) -> Revealed:
    """End one of the reviewer's reveals (re-blurred, moved on, left); ending one already
    ended changes nothing."""
    with db.transaction() as session:
        viewer = _reviewer(session, user)
        found = service.own_reveal(session, user, reveal_id)
        file = access.file(session, viewer, found.file_id)
        return Revealed(service.close_reveal(session, actor, found, _now(now), why), file)


@dataclass(frozen=True)
class Original:
    chunks: Iterator[bytes]
    media_type: str | None  # None: not displayable in the page (downloaded instead)
    file_id: str


def original(db: Database, evidence: EvidenceStore, user: StaffUser, actor: Actor,
             reveal_id: int, now: dt.datetime | None = None) -> Original:
    """The original of an open reveal (403 once it has ended); the read is audited."""
    with db.transaction() as session:
        found = service.own_reveal(session, user, reveal_id)
        file = _openable(session, user, found.file_id)
        try:
            service.check_serving(session, actor, found, _now(now))
        except service.RevealEnded as exc:
            ended = exc
        else:
            chunks = read_evidence(session, evidence, actor, file.sha256,
                                   purpose=f"reveal {reveal_id} of file {file.id}")
            head = next(chunks, b"")
            return Original(itertools.chain([head], chunks), render.media_type(head), file.id)
    raise ended


def classify(db: Database, settings: Settings, user: StaffUser, actor: Actor, cluster_id: int,
             asked: service.ClusterReview, now: dt.datetime | None = None) -> MediaFact:
    """Record a review for a whole cluster (409 while another reviewer holds it); its cases
    are re-triaged on the work queue and the cluster leaves the reviewer's hands."""
    with db.transaction() as session:
        viewer = _reviewer(session, user)
        found = access.cluster(session, viewer, cluster_id)
        leases.claim(session, found.id, user.id, _lease(settings), _now(now))
        outcome = service.review_cluster(session, user, actor, found.id, asked)
        request_retriage(session, outcome.report_ids, "classification review")
        leases.release(session, found.id, user.id)
        return outcome.fact


def set_preferences(db: Database, settings: Settings, user: StaffUser, actor: Actor,
                    blur_level: int | None, budget_seconds: int | None
                    ) -> ReviewerPreference:
    """The reviewer's own blur level and daily budget, within the organisation's limits."""
    with db.transaction() as session:
        _reviewer(session, user)
        policy = rules.WellnessPolicy.from_settings(settings)
        return service.set_preferences(session, policy, user, actor, blur_level,
                                       budget_seconds)


def grant_override(db: Database, user: StaffUser, actor: Actor,
                   asked: service.OverrideRequest, now: dt.datetime | None = None
                   ) -> ExposureOverride:
    """A supervisor grants a reviewer more exposure for today (audited `exposure.override`)."""
    with db.transaction() as session:
        access.check_exposure_override(access.staff_viewer(session, user))
        return service.grant_override(session, user, actor, asked, _now(now).date())


def overrides_today(db: Database, user: StaffUser,
                    now: dt.datetime | None = None) -> list[ExposureOverride]:
    with db.sessions() as session:
        access.check_exposure_override(access.staff_viewer(session, user))
        return store.overrides_on(session, _now(now).date())
