"""What a running tipline process holds: settings, database, evidence store, pipeline."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from tipline.credentials import CredentialCache
from tipline.db import Database
from tipline.evidence.store import EvidenceStore, LocalEvidenceStore
from tipline.matching.live import LiveIndex
from tipline.ncmec.schema import CyberTiplineSchema, load_schema
from tipline.pipeline.runner import BackgroundPipeline, PipelineRunner
from tipline.pipeline.stages import build_stages
from tipline.reporters.service import AuthenticatedReporter
from tipline.settings import Settings


def new_file_id() -> str:
    """File ids are 32 hex characters, like NCMEC's."""
    return uuid.uuid4().hex


@dataclass
class AppState:
    settings: Settings
    db: Database
    evidence: EvidenceStore
    runner: PipelineRunner
    index: LiveIndex
    credentials: CredentialCache[AuthenticatedReporter]
    schema: CyberTiplineSchema
    new_file_id: Callable[[], str] = new_file_id
    background: BackgroundPipeline | None = field(default=None)


def evidence_store_for(settings: Settings) -> EvidenceStore:
    if settings.evidence_backend == "local":
        return LocalEvidenceStore(settings.resolved_evidence_dir, settings.evidence_key_bytes)
    raise ValueError(f"unknown evidence backend {settings.evidence_backend!r}")


def build_state(settings: Settings, worker: str | None = None) -> AppState:
    db = Database(settings.resolved_database_url)
    evidence = evidence_store_for(settings)
    index = LiveIndex(db, settings.data_dir / "index")
    runner = PipelineRunner(
        db, build_stages(db, evidence, index, settings), lease_seconds=settings.stage_lease_seconds,
        max_attempts=settings.stage_max_attempts, worker=worker,
    )
    return AppState(
        settings=settings, db=db, evidence=evidence, runner=runner, index=index,
        credentials=CredentialCache(settings.auth_cache_seconds), schema=load_schema(),
    )
