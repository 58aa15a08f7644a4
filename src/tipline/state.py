"""The composition root: what a running tipline process holds, built from one `Settings`.

`build_state` makes the database, the evidence store, the match index, the pipeline's stages
and runner, the delivery worker and the work-items worker (with the handler of each work queue
name); `start` and `stop` run and end what the process serves in its own threads. The server
(`app.py`), `tipline worker`, `tipline deliver` and the tests all build their state here, and
no domain reads the environment.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from tipline.audit import chain as audit_chain
from tipline.credentials import CredentialCache
from tipline.db import Database
from tipline.delivery.http_client import OutboundClient
from tipline.delivery.worker import DeliveryWorker, build_worker, outbound_policy
from tipline.evidence.envelope import Keyring
from tipline.evidence.store import EvidenceStore, LocalEvidenceStore
from tipline.feedback.notify import send_notice
from tipline.matching.live import LiveIndex
from tipline.matching.lookup_audit import LookupAudit
from tipline.ncmec.schema import CyberTiplineSchema, load_schema
from tipline.outcomes.service import WEBHOOK_QUEUE
from tipline.pipeline.reroute import reroute
from tipline.pipeline.runner import STAGE_BACKOFF, PipelineRunner
from tipline.pipeline.stages import build_stages
from tipline.reporters.service import AuthenticatedReporter
from tipline.retro import jobs as retro
from tipline.routing.service import REROUTE, config_from
from tipline.settings import Settings
from tipline.takedown.worker import TakedownWorker
from tipline.takedown.worker import build_worker as build_takedown
from tipline.triage import service as triage
from tipline.users.throttle import LoginThrottle, ThrottlePolicy
from tipline.workqueue.items import Handler, ItemWorker
from tipline.workqueue.queue import Retry
from tipline.workqueue.serve import Background


def new_file_id() -> str:
    """File ids are 32 hex characters, like NCMEC's."""
    return uuid.uuid4().hex


@dataclass
class AppState:
    settings: Settings
    db: Database
    evidence: EvidenceStore
    runner: PipelineRunner
    delivery: DeliveryWorker
    items: ItemWorker
    index: LiveIndex
    lookup_audit: LookupAudit
    retro: retro.Retro
    credentials: CredentialCache[AuthenticatedReporter]
    schema: CyberTiplineSchema
    takedown: TakedownWorker
    logins: LoginThrottle = field(default_factory=lambda: LoginThrottle(ThrottlePolicy()))
    new_file_id: Callable[[], str] = new_file_id
    background: list[Background] = field(default_factory=list)


def evidence_store_for(settings: Settings) -> EvidenceStore:
    if settings.evidence_backend == "local":
        keyring = Keyring(settings.evidence_key_id, settings.evidence_keys)
        return LocalEvidenceStore(settings.resolved_evidence_dir, keyring)
    raise ValueError(f"unknown evidence backend {settings.evidence_backend!r}")


def work_handlers(settings: Settings, db: Database, rematch: retro.Retro) -> dict[str, Handler]:
    """The handler of each `work_items` queue name: later work, queued rather than called."""
    return {triage.RETRIAGE: partial(triage.retriage, settings.triage_policy_path),
            WEBHOOK_QUEUE: partial(send_notice,
                                   partial(OutboundClient, outbound_policy(settings))),
            REROUTE: partial(reroute, config_from(settings), settings.triage_policy_path),
            retro.RETRO: partial(retro.rematch_log, rematch)}


def build_state(settings: Settings, worker: str | None = None) -> AppState:
    db = Database(settings.resolved_database_url)
    audit_chain.bind(db.engine, audit_chain.keys_for(settings))
    evidence = evidence_store_for(settings)
    index = LiveIndex(db, settings.data_dir / "index")
    runner = PipelineRunner(
        db, build_stages(db, evidence, index, settings), lease_seconds=settings.stage_lease_seconds,
        max_attempts=settings.stage_max_attempts, worker=worker,
    )
    rematch = retro.Retro(index, max_signals=settings.retro_batch_signals)
    retry = Retry(settings.stage_max_attempts, STAGE_BACKOFF, settings.stage_lease_seconds)
    items = ItemWorker(db, retry, work_handlers(settings, db, rematch))
    return AppState(
        settings=settings, db=db, evidence=evidence, runner=runner,
        delivery=build_worker(db, settings), items=items, index=index, retro=rematch,
        lookup_audit=LookupAudit(db),
        credentials=CredentialCache(settings.auth_cache_seconds), schema=load_schema(),
        takedown=build_takedown(db, settings),
        logins=LoginThrottle(throttle_policy(settings)),
    )


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(settings.login_free_failures_account,
                          settings.login_free_failures_address,
                          settings.login_lockout_base_seconds, settings.login_lockout_max_seconds)


def start(state: AppState) -> None:
    """Open the match index; in the embedded mode (`pipeline_in_server`) also serve the
    pipeline, delivery (next to the pipeline, so a case reaches its agency without a second
    process) and the work items in threads of this process."""
    state.index.open()
    state.index.start()
    state.lookup_audit.start()
    if not state.settings.pipeline_in_server:
        return
    poll = state.settings.worker_poll_seconds
    # This process is the only worker: leases of a crashed predecessor are released at once.
    for queue in (state.runner, state.delivery, state.items, state.takedown):
        queue.release_all_leases()
    state.background = [
        Background(state.runner, poll, 1, "pipeline"),
        # Several threads, so one slow agency cannot hold up the others.
        Background(state.delivery, poll, state.settings.delivery_threads, "delivery"),
        Background(state.items, poll, 1, "work-items"),
        Background(state.takedown, poll, 1, "takedown"),
        # Retroactive matching follows the bank change log: no bank writer has to ask for it.
        Background(retro.RetroWatcher(state.db), retro.RetroWatcher.poll_seconds(poll), 1,
                   "retro-watcher"),
    ]
    for background in state.background:
        background.start()


def stop(state: AppState) -> None:
    """Stop what `start` started (work in hand finishes first) and release the database."""
    for background in reversed(state.background):
        background.stop()
    state.background = []
    state.delivery.close()
    state.takedown.close()
    state.index.stop()
    state.lookup_audit.stop()
    state.db.dispose()
