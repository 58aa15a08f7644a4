"""Runs pipeline stages with durable, leased progress, on the work queue (`tipline.workqueue`).

A worker claims one queued report (its `pipeline_jobs` row) with a lease, does the stage's slow
`prepare` outside any transaction, then applies the results and advances the report to the next
stage in one transaction guarded by the lease. A worker that dies loses its lease when it
expires and another worker resumes the same stage; a worker that outlived its lease discards its
work. On PostgreSQL many `tipline worker` processes share the queue; on SQLite one process runs
the stages.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from tipline.db import Database, Executor, connection_of, table_of
from tipline.pipeline.models import PipelineJob, StageRun
from tipline.pipeline.stage import Stage
from tipline.workqueue.queue import Backoff, Lease, LeasedQueue, QueueTable, Retry
from tipline.workqueue.serve import run_until_idle
from tipline.workqueue.wake import wake, wake_after_commit

log = logging.getLogger(__name__)
CHANNEL = "pipeline"
JOBS = table_of(PipelineJob)
_INSERT_JOB = insert(JOBS)  # built once: it runs in every `finish`
JOBS_QUEUE = QueueTable(JOBS, key="report_id", ready=("queued",), dead="failed", carry=("stage",))
# A failed stage waits 2 s, 4 s, 8 s ... at most 5 minutes before its next attempt.
STAGE_BACKOFF = Backoff(base=2.0, cap=300.0)


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class PipelineRunner:
    channels = (CHANNEL,)

    def __init__(self, db: Database, stages: list[Stage], *, lease_seconds: float = 60.0,
                 max_attempts: int = 5, worker: str | None = None) -> None:
        self.db = db
        self.stages = {stage.name: stage for stage in stages}
        self.order = [stage.name for stage in stages]
        self.worker = worker or default_worker_name()
        self.queue = LeasedQueue(db, JOBS_QUEUE, Retry(max_attempts, STAGE_BACKOFF,
                                                       lease_seconds))

    @property
    def first_stage(self) -> str:
        return self.order[0]

    def next_stage(self, name: str) -> str | None:
        index = self.order.index(name)
        return self.order[index + 1] if index + 1 < len(self.order) else None

    def claim(self) -> Lease | None:
        """Lease the next due report; `lease.key` is its id, `lease.data["stage"]` its stage."""
        return self.queue.claim()

    def run_one(self) -> bool:
        """Claim and run one stage of one report. False when nothing was waiting."""
        lease = self.claim()
        if lease is None:
            return False
        name = lease.data["stage"]
        started = time.monotonic()
        try:
            stage = self.stages.get(name)
            if stage is None:
                raise RuntimeError(f"unknown stage {name!r}")
            prepared = stage.prepare(lease.key) if stage.prepare else None
            self.queue.complete(lease, lambda session: self._apply(
                session, lease, stage, prepared, started))
        except Exception as exc:  # a failing stage must not stop the worker
            log.exception("stage %s of report %s failed", name, lease.key)
            self.queue.fail(lease, f"{type(exc).__name__}: {exc}")
        return True

    def _apply(self, session: Session, lease: Lease, stage: Stage, prepared: object,
               started: float) -> dict[str, Any]:
        """The stage's effects, its run record and the advance, in the completing transaction
        (the unique stage-run row refuses a second completion of the same stage)."""
        stage.apply(session, lease.key, prepared)
        session.add(StageRun(
            report_id=lease.key, stage=stage.name, worker=self.worker,
            attempts=lease.attempts + 1, duration_ms=int((time.monotonic() - started) * 1000),
        ))
        now = self.queue.clock()
        following = self.next_stage(stage.name)
        if following is None:
            return {"stage": "", "attempts": 0, "available_at": now, "finished_at": now}
        return {"stage": following, "status": "queued", "attempts": 0, "available_at": now}

    def run_until_idle(self, max_steps: int = 1_000_000) -> int:
        return run_until_idle(self.run_one, max_steps)

    def release_all_leases(self) -> int:
        """Embedded single-process mode only (see `LeasedQueue.release_all_leases`)."""
        return self.queue.release_all_leases()

    def enqueue(self, executor: Executor, report_id: int) -> None:
        """Queue a finished report in the caller's transaction, so finish and enqueue commit
        together; in-process workers are woken once that transaction has committed."""
        connection_of(executor).execute(_INSERT_JOB, {"report_id": report_id,
                                                   "stage": self.first_stage, "status": "queued"})
        wake_after_commit(executor, CHANNEL)

    def wake(self) -> None:
        """Wake this process's idle pipeline workers now (e.g. to stop)."""
        wake(CHANNEL)
