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
from tipline.classification import service as classification
from tipline.classification.models import MediaFact
from tipline.clusters.models import MediaCluster
from tipline.db import Database
from tipline.errors import DomainError, Forbidden
from tipline.evidence.service import read_evidence
from tipline.evidence.store import EvidenceStore
from tipline.hashing.errors import MediaError
from tipline.reports.models import ReportFile
from tipline.review import render, rules, service, store
from tipline.review.models import ExposureOverride, MediaReveal, ReviewerPreference
from tipline.settings import Settings
from tipline.triage.service import request_retriage
from tipline.users.service import StaffUser

QUEUE_SHOWN = 50


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


def queue(db: Database, settings: Settings, user: StaffUser,
          now: dt.datetime | None = None) -> QueuePage:
    """The clusters waiting for review (never one already classified), most urgent first."""
    with db.sessions() as session:
        viewer = _reviewer(session, user)
        rows = store.review_queue(session, access.visible_cases(viewer), QUEUE_SHOWN)
        policy = rules.WellnessPolicy.from_settings(settings)
        return QueuePage(rows, _wellness(session, policy, user, _now(now)))


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
    """One cluster to review: its files (blurred), its review and verdicts once recorded."""
    with db.sessions() as session:
        viewer = _reviewer(session, user)
        found = access.cluster(session, viewer, cluster_id)
        files = []
        for file in store.cluster_files(session, found.id, access.visible_files(viewer)):
            gate = classification.can_open(session, user, file)
            files.append(FileView(file, gate.allowed, "" if gate.allowed else gate.reason))
        review = store.latest_review(session, found.id)
        verdicts = classification.classify_file(session, files[0].file.id) \
            if review is not None and files else None
        waiting = [row.cluster_id for row in store.review_queue(
            session, access.visible_cases(viewer), 2) if row.cluster_id != found.id]
        policy = rules.WellnessPolicy.from_settings(settings)
        return ClusterPage(found, files, review, verdicts, waiting[0] if waiting else None,
                           _wellness(session, policy, user, _now(now)),
                           _shown_reveal(session, user, reveal_id, _now(now)))


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


def classify(db: Database, user: StaffUser, actor: Actor, cluster_id: int,
             asked: service.ClusterReview) -> MediaFact:
    """Record a review for a whole cluster; its cases are re-triaged on the work queue."""
    with db.transaction() as session:
        viewer = _reviewer(session, user)
        found = access.cluster(session, viewer, cluster_id)
        outcome = service.review_cluster(session, user, actor, found.id, asked)
        request_retriage(session, outcome.report_ids, "classification review")
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
