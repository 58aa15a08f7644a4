"""Durable stage progress: real stages once each in order, a stage that recovers, the unique
stage-run row, and several `tipline worker` processes sharing one PostgreSQL queue. The queue
itself (leases, lost leases, backoff, dead letters, released leases, wakes) is tested once for
all its users in tests/workqueue."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from linking_support import login
from tipline.audit.models import AuditEvent
from tipline.audit.service import Actor, record
from tipline.client import file_details_xml
from tipline.db import Base, utcnow
from tipline.pipeline.models import PipelineJob, StageRun
from tipline.pipeline.runner import PipelineRunner
from tipline.pipeline.stage import Stage
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import usecases
from tipline.reports.models import FileSignal, Identifier, ReportFile
from tipline.reports.service import Document
from tipline.state import AppState, build_state

from factories import png_bytes, report_xml
from support import HeldWorkers, make_settings, wait_for_count

ACTOR = Actor("test")
CRYPTO = ("md5", "sha1", "sha256")


def finished_report(state: AppState, reporter: AuthenticatedReporter, seed: int,
                    files: int = 2) -> int:
    """A report submitted, given `files` described uploads and finished, via the use cases."""
    xml = report_xml()
    doc = Document(state.schema.to_json(state.schema.parse(xml, "report")), xml, "text/xml")
    report_id = usecases.submit(state, reporter, doc, "ncmec_xml", None, ACTOR).report_id
    for i in range(files):
        uploaded = usecases.upload(state, reporter, report_id, io.BytesIO(png_bytes(seed * 7 + i)),
                                   f"image-{i}.png", "image/png", ACTOR)
        details = file_details_xml(report_id, uploaded.file_id,
                                   {"originalFileName": f"image-{i}.png"})
        usecases.describe(state, reporter, report_id, uploaded.file_id, Document(
            state.schema.to_json(state.schema.parse(details, "fileDetails")), details,
            "text/xml"), ACTOR)
    usecases.finish(state, reporter, report_id, ACTOR)
    return report_id


def job(state: AppState, report_id: int) -> PipelineJob:
    with state.db.sessions() as session:
        found = session.get(PipelineJob, report_id)
        assert found is not None
        return found


def count(state: AppState, model: type[Base], *where: Any) -> int:
    with state.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def make_available(state: AppState, report_id: int) -> None:
    """Skip the backoff delay instead of sleeping through it."""
    with state.db.transaction() as session:
        session.execute(update(PipelineJob).where(PipelineJob.report_id == report_id)
                        .values(available_at=utcnow() - dt.timedelta(seconds=1)))


def noting_stage(name: str, calls: list[tuple[str, int]], tag: str = "") -> Stage:
    """A stage whose effect is one audit event, so double effects are countable."""
    def apply(session: Session, report_id: int, _prepared: object) -> None:
        calls.append((tag or name, report_id))
        record(session, ACTOR, f"test.{name}", "report", report_id)
    return Stage(name=name, description="test stage", apply=apply)


def test_real_stages_run_once_each_in_order(state: AppState) -> None:
    reporter = login(state)
    ids = [finished_report(state, reporter, seed) for seed in range(3)]
    assert state.runner.run_until_idle() == len(ids) * len(state.runner.order)
    assert state.runner.run_until_idle() == 0
    for report_id in ids:
        done = job(state, report_id)
        assert (done.status, done.stage, done.lease_token) == ("done", "", None)
        assert done.finished_at is not None
        with state.db.sessions() as session:
            runs = session.scalars(select(StageRun).where(StageRun.report_id == report_id)
                                   .order_by(StageRun.id)).all()
            assert [r.stage for r in runs] == state.runner.order
            file_ids = session.scalars(select(ReportFile.id)
                                       .where(ReportFile.report_id == report_id)).all()
        assert len(file_ids) == 2
        for file_id in file_ids:
            for kind in CRYPTO:
                assert count(state, FileSignal, FileSignal.file_id == file_id,
                             FileSignal.signal_type == kind,
                             FileSignal.source == "computed") == 1
        assert count(state, Identifier, Identifier.report_id == report_id) > 0


def test_stage_that_recovers_completes_once(state: AppState) -> None:
    reporter = login(state)
    report_id = finished_report(state, reporter, 1, files=0)
    failures = iter([RuntimeError("transient")])
    calls: list[tuple[str, int]] = []
    good = noting_stage("intake", calls)

    def flaky(session: Session, rid: int, prepared: object) -> None:
        error = next(failures, None)
        if error:
            raise error
        good.apply(session, rid, prepared)

    runner = PipelineRunner(state.db, [Stage("intake", "flaky", flaky)], max_attempts=3)
    assert runner.run_one()
    make_available(state, report_id)
    assert runner.run_one()
    done = job(state, report_id)
    assert (done.status, done.attempts, done.last_error) == ("done", 0, None)
    with state.db.sessions() as session:
        run = session.scalars(select(StageRun)).one()
    assert (run.stage, run.attempts) == ("intake", 2)
    assert count(state, AuditEvent, AuditEvent.action == "test.intake") == 1


def test_unique_stage_run_refuses_a_second_completion(state: AppState) -> None:
    reporter = login(state)
    report_id = finished_report(state, reporter, 1, files=0)
    calls: list[tuple[str, int]] = []
    runner = PipelineRunner(state.db, [noting_stage("intake", calls)], max_attempts=1)
    assert runner.run_one()
    assert job(state, report_id).status == "done"
    # Progress is lost (say, restored from an old backup): the job asks for "intake" again.
    with state.db.transaction() as session:
        session.execute(update(PipelineJob).values(status="queued", stage="intake"))
    assert runner.run_one()
    again = job(state, report_id)
    assert again.status == "failed"
    assert again.last_error is not None and "IntegrityError" in again.last_error
    assert len(calls) == 2, "the stage ran, but its second effects were rolled back"
    assert count(state, AuditEvent, AuditEvent.action == "test.intake") == 1
    assert count(state, StageRun) == 1


# --- several worker processes on PostgreSQL ---------------------------------------------------

REPORTS = 50
WORKERS = 3


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    from support import _truncate

    _truncate(postgres_url)
    return postgres_url


def test_several_worker_processes_share_the_queue(pg_url: str, tmp_path: Path) -> None:
    state = build_state(make_settings(pg_url, tmp_path / "var"))
    try:
        reporter = login(state)
        ids = [finished_report(state, reporter, seed) for seed in range(REPORTS)]
        with HeldWorkers(state, tmp_path, WORKERS) as workers:
            # Workers yield the CPU to intake (TIPLINE_WORKER_NICE, default 10).
            assert {os.getpriority(os.PRIO_PROCESS, p.pid) for p in workers.procs} == \
                {max(10, os.getpriority(os.PRIO_PROCESS, 0))}
            wait_for_count(lambda: count(state, PipelineJob, PipelineJob.status == "done"),
                           REPORTS, "the workers to process every report")
        codes, logs, procs = workers.codes, workers.logs, workers.procs
        assert codes == [0] * WORKERS, [log.read_text()[-2000:] for log in logs]

        stages = len(state.runner.order)
        with state.db.sessions() as session:
            runs = session.execute(select(StageRun.report_id, StageRun.stage,
                                          StageRun.worker)).all()
            per_stage = Counter((r.report_id, r.stage) for r in runs)
            by_worker = Counter(r.worker for r in runs)
            computed = session.scalar(select(func.count()).select_from(FileSignal).where(
                FileSignal.source == "computed", FileSignal.signal_type.in_(CRYPTO)))
            jobs = session.execute(select(PipelineJob.status, PipelineJob.attempts,
                                          PipelineJob.lease_token)).all()
        assert len(runs) == REPORTS * stages
        assert set(per_stage) == {(rid, s) for rid in ids for s in state.runner.order}
        assert set(per_stage.values()) == {1}
        assert computed == REPORTS * 2 * 3  # two files, three hashes each, never twice
        assert {tuple(j) for j in jobs} == {("done", 0, None)}
        # The work was spread over the processes (on a 2-core machine, at least two of them).
        assert len(by_worker) >= 2, by_worker
        assert {int(name.rsplit(":", 1)[1]) for name in by_worker} <= {p.pid for p in procs}
    finally:
        state.db.dispose()
