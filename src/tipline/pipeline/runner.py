"""Runs pipeline stages with durable, leased progress.

A worker claims one queued report with a short transaction that sets a lease, does the stage's
slow `prepare` outside any transaction, then applies the results and advances the report in one
transaction that first re-checks the lease. A worker that dies loses its lease when it expires
and another worker resumes the same stage; a worker that outlived its lease finds the re-check
fails and discards its work. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets many workers claim
without contending; on SQLite one process runs the stages.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from tipline.db import Database, Executor, connection_of, table_of, utcnow
from tipline.pipeline.models import PipelineJob, StageRun
from tipline.pipeline.stage import Stage

log = logging.getLogger(__name__)
_INSERT_JOB = insert(table_of(PipelineJob))  # built once: it runs in every `finish`


@dataclass(frozen=True)
class Claim:
    report_id: int
    stage: str
    token: str
    attempts: int


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class PipelineRunner:
    def __init__(self, db: Database, stages: list[Stage], *, lease_seconds: float = 60.0,
                 max_attempts: int = 5, worker: str | None = None) -> None:
        self.db = db
        self.stages = {stage.name: stage for stage in stages}
        self.order = [stage.name for stage in stages]
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.worker = worker or default_worker_name()
        self.wake_event = threading.Event()

    @property
    def first_stage(self) -> str:
        return self.order[0]

    def next_stage(self, name: str) -> str | None:
        index = self.order.index(name)
        return self.order[index + 1] if index + 1 < len(self.order) else None

    def claim(self) -> Claim | None:
        now = utcnow()
        with self.db.transaction() as session:
            stmt = (
                select(PipelineJob.report_id, PipelineJob.stage, PipelineJob.attempts)
                .where(PipelineJob.status == "queued", PipelineJob.available_at <= now)
                .where((PipelineJob.lease_until.is_(None)) | (PipelineJob.lease_until < now))
                .order_by(PipelineJob.available_at, PipelineJob.report_id)
                .limit(1)
            )
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            row = session.execute(stmt).first()
            if row is None:
                return None
            token = secrets.token_hex(16)
            session.execute(
                update(PipelineJob)
                .where(PipelineJob.report_id == row.report_id)
                .values(lease_token=token, lease_until=now + self.lease)
            )
        return Claim(row.report_id, row.stage, token, row.attempts)

    def run_one(self) -> bool:
        """Claim and run one stage of one report. False when nothing was waiting."""
        claim = self.claim()
        if claim is None:
            return False
        stage = self.stages.get(claim.stage)
        started = time.monotonic()
        try:
            if stage is None:
                raise RuntimeError(f"unknown stage {claim.stage!r}")
            prepared = stage.prepare(claim.report_id) if stage.prepare else None
            self._apply(claim, stage, prepared, started)
        except Exception as exc:  # a failing stage must not stop the worker
            log.exception("stage %s of report %s failed", claim.stage, claim.report_id)
            self._record_failure(claim, exc)
        return True

    def _apply(self, claim: Claim, stage: Stage, prepared: object, started: float) -> None:
        now = utcnow()
        with self.db.transaction() as session:
            held = session.execute(  # type: ignore[attr-defined]
                update(PipelineJob)
                .where(PipelineJob.report_id == claim.report_id,
                       PipelineJob.lease_token == claim.token,
                       PipelineJob.stage == claim.stage)
                .values(lease_until=now + self.lease)
            ).rowcount
            if held != 1:
                log.warning("lease on report %s lost; discarding stage work", claim.report_id)
                return
            stage.apply(session, claim.report_id, prepared)
            session.add(StageRun(
                report_id=claim.report_id, stage=claim.stage, worker=self.worker,
                attempts=claim.attempts + 1,
                duration_ms=int((time.monotonic() - started) * 1000),
            ))
            following = self.next_stage(claim.stage)
            values: dict[str, object] = {
                "stage": following or "", "attempts": 0, "last_error": None,
                "lease_token": None, "lease_until": None, "available_at": now,
            }
            if following is None:
                values.update(status="done", finished_at=now)
            session.execute(
                update(PipelineJob).where(PipelineJob.report_id == claim.report_id).values(values)
            )

    def _record_failure(self, claim: Claim, exc: Exception) -> None:
        attempts = claim.attempts + 1
        give_up = attempts >= self.max_attempts
        backoff = dt.timedelta(seconds=min(300.0, 2.0 ** attempts))
        with self.db.transaction() as session:
            session.execute(
                update(PipelineJob)
                .where(PipelineJob.report_id == claim.report_id,
                       PipelineJob.lease_token == claim.token)
                .values(attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:4000],
                        status="failed" if give_up else "queued",
                        available_at=utcnow() + backoff, lease_token=None, lease_until=None)
            )

    def run_until_idle(self, max_steps: int = 1_000_000) -> int:
        steps = 0
        while steps < max_steps and self.run_one():
            steps += 1
        return steps

    def release_all_leases(self) -> None:
        """For the embedded single-process mode only: after a restart no other worker can hold
        a lease, so the dead process's leases are released at once instead of expiring."""
        with self.db.transaction() as session:
            session.execute(
                update(PipelineJob).where(PipelineJob.status == "queued")
                .values(lease_token=None, lease_until=None)
            )

    def enqueue(self, executor: Executor, report_id: int) -> None:
        """Queue a finished report in the caller's transaction, so finish and enqueue commit
        together; the in-process worker is woken after that commit by `wake`."""
        connection_of(executor).execute(_INSERT_JOB, {"report_id": report_id,
                                                   "stage": self.first_stage, "status": "queued"})

    def wake(self) -> None:
        self.wake_event.set()

    def serve(self, stop: threading.Event, poll_seconds: float) -> None:
        poll_loop(self.run_one, stop, self.wake_event, poll_seconds, "pipeline worker")


def poll_loop(step: Callable[[], object], stop: threading.Event, wake: threading.Event,
              poll_seconds: float, what: str) -> None:
    """Run `step` until stopped; when it finds no work, sleep until woken or the poll
    interval passes. Shared by the pipeline and delivery workers."""
    while not stop.is_set():
        try:
            worked = step()
        except Exception:  # the database may be briefly unavailable: keep serving
            log.exception("%s error", what)
            worked = False
        if not worked:
            wake.wait(poll_seconds)
            wake.clear()


class BackgroundPipeline:
    """The pipeline running in threads inside the server process (embedded default)."""

    def __init__(self, runner: PipelineRunner, poll_seconds: float, threads: int = 1) -> None:
        self.runner = runner
        self.poll = poll_seconds
        self.stop_event = threading.Event()
        self.threads = [
            threading.Thread(target=runner.serve, args=(self.stop_event, poll_seconds),
                             name=f"pipeline-{i}", daemon=True)
            for i in range(threads)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.runner.wake()
        for thread in self.threads:
            thread.join(timeout=10)
