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
from tipline.delivery.worker import DeliveryWorker, build_worker
from tipline.evidence.envelope import Keyring
from tipline.evidence.store import EvidenceStore, LocalEvidenceStore
from tipline.matching.live import LiveIndex
from tipline.ncmec.schema import CyberTiplineSchema, load_schema
from tipline.pipeline.runner import STAGE_BACKOFF, PipelineRunner
from tipline.pipeline.stages import build_stages
from tipline.reporters.service import AuthenticatedReporter
from tipline.settings import Settings
from tipline.triage import service as triage
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
    credentials: CredentialCache[AuthenticatedReporter]
    schema: CyberTiplineSchema
    new_file_id: Callable[[], str] = new_file_id
    background: list[Background] = field(default_factory=list)


def evidence_store_for(settings: Settings) -> EvidenceStore:
    if settings.evidence_backend == "local":
        keyring = Keyring(settings.evidence_key_id, settings.evidence_keys)
        return LocalEvidenceStore(settings.resolved_evidence_dir, keyring)
    raise ValueError(f"unknown evidence backend {settings.evidence_backend!r}")


def work_handlers(settings: Settings, db: Database) -> dict[str, Handler]:
    """The handler of each `work_items` queue name: later work, queued rather than called."""
    return {triage.RETRIAGE: partial(triage.retriage, settings.triage_policy_path)}


def build_state(settings: Settings, worker: str | None = None) -> AppState:
    db = Database(settings.resolved_database_url)
    audit_chain.bind(db.engine, audit_chain.keys_for(settings))
    evidence = evidence_store_for(settings)
    index = LiveIndex(db, settings.data_dir / "index")
    runner = PipelineRunner(
        db, build_stages(db, evidence, index, settings), lease_seconds=settings.stage_lease_seconds,
        max_attempts=settings.stage_max_attempts, worker=worker,
    )
    items = ItemWorker(db, Retry(settings.stage_max_attempts, STAGE_BACKOFF,
                                 settings.stage_lease_seconds), work_handlers(settings, db))
    return AppState(
        settings=settings, db=db, evidence=evidence, runner=runner,
        delivery=build_worker(db, settings), items=items, index=index,
        credentials=CredentialCache(settings.auth_cache_seconds), schema=load_schema(),
    )


def start(state: AppState) -> None:
    """Open the match index; in the embedded mode (`pipeline_in_server`) also serve the
    pipeline, delivery (next to the pipeline, so a case reaches its agency without a second
    process) and the work items in threads of this process."""
    state.index.open()
    state.index.start()
    if not state.settings.pipeline_in_server:
        return
    poll = state.settings.worker_poll_seconds
    # This process is the only worker: leases of a crashed predecessor are released at once.
    for queue in (state.runner, state.delivery, state.items):
        queue.release_all_leases()
    state.background = [
        Background(state.runner, poll, 1, "pipeline"),
        # Several threads, so one slow agency cannot hold up the others.
        Background(state.delivery, poll, state.settings.delivery_threads, "delivery"),
        Background(state.items, poll, 1, "work-items"),
    ]
    for background in state.background:
        background.start()


def stop(state: AppState) -> None:
    """Stop what `start` started (work in hand finishes first) and release the database."""
    for background in reversed(state.background):
        background.stop()
    state.background = []
    state.delivery.close()
    state.index.stop()
    state.db.dispose()
