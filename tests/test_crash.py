"""Crash safety: `tipline serve`, a `tipline worker` (the pipeline) and `tipline deliver` are
SIGKILLed together while reporters are sending complete reports, on both databases.

After a restart every report whose `finish` was acknowledged must be stored, finished, with its
files decryptable, and processed by the pipeline exactly once; the audit log must still verify
(`tipline audit verify`: no transaction cut by the kill left a break in its chain). Reports
that were in flight may be missing or open, but never half-stored. Traffic goes to 127.0.0.1
only; media are generated.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tipline.audit import chain
from tipline.audit.service import Actor
from tipline.client import ApiError, NcmecClient, file_details_xml
from tipline.db import Database
from tipline.evidence.store import LocalEvidenceStore
from tipline.pipeline.models import PipelineJob, StageRun
from tipline.reporters.schemas import ReporterCreate
from tipline.reporters.service import create_reporter
from tipline.reports.models import FileSignal, Report, ReportFile
from tipline.state import build_state

from factories import png_bytes, report_xml
from support import (
    PASSWORD,
    PATIENCE,
    free_port,
    make_settings,
    wait_for_count,
    wait_for_progress,
)

CLIENTS = 3
FILES = 2


def tipline(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("tipline")), *args]


@dataclass
class Traffic:
    """What the reporters saw: acknowledged reports and the SHA-256 of each file they sent."""

    acked: list[int] = field(default_factory=list)
    sent: dict[int, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    seeds: int = 0

    def next_seed(self) -> int:
        with self.lock:
            self.seeds += 1
            return self.seeds


def reporter_loop(url: str, traffic: Traffic) -> None:
    """Submit complete reports until stopped or the server goes away."""
    with httpx.Client(timeout=30) as http:
        client = NcmecClient(url, "crash-reporter", PASSWORD, http)
        while not traffic.stop.is_set():
            try:
                report_id = client.submit(report_xml())
                for i in range(FILES):
                    content = png_bytes(traffic.next_seed(), size=48)
                    with traffic.lock:
                        traffic.sent.setdefault(report_id, []).append(
                            hashlib.sha256(content).hexdigest())
                    file_id, _ = client.upload(report_id, f"image-{i}.png", content)
                    client.fileinfo(file_details_xml(report_id, file_id,
                                                     {"originalFileName": f"image-{i}.png"}))
                client.finish(report_id)  # raises unless HTTP 200 with responseCode 0
            except (httpx.TransportError, ApiError):
                return  # the server died: whatever was in flight is unacknowledged
            with traffic.lock:
                traffic.acked.append(report_id)


class Server:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(tipline("serve", "--port", str(self.port)),
                                         env=self.env, cwd=self.log.parent, stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + PATIENCE  # generous: CI machines can be very busy
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(PATIENCE)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(PATIENCE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Workers:
    """`tipline worker` (the pipeline's stages) and `tipline deliver`, beside the server."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.procs = [subprocess.Popen(tipline(command), env=self.env, cwd=self.log.parent,
                                           stdout=out, stderr=subprocess.STDOUT)
                          for command in ("worker", "deliver")]

    def kill(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGKILL)
            proc.wait(PATIENCE)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(PATIENCE)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_acknowledged_reports_survive_sigkill(database: str, tmp_path: Path,
                                              request: pytest.FixtureRequest) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    data_dir = tmp_path / "var"
    env = {
        **os.environ,
        "TIPLINE_ENVIRONMENT": "test",
        "TIPLINE_DATA_DIR": str(data_dir),
        "TIPLINE_EVIDENCE_KEY": key,
        "TIPLINE_SECRET_KEY": secrets.token_urlsafe(32),
        "TIPLINE_WORKER_POLL_SECONDS": "0.05",
        "TIPLINE_WORKER_NICE": "0",
        "TIPLINE_RUN_PIPELINE_IN_SERVER": "false",  # the worker process runs it
    }
    if database == "postgresql":
        from support import _truncate

        url = request.getfixturevalue("postgres_url")
        _truncate(url)
        env.update(TIPLINE_DATABASE_URL=url)
    else:
        url = f"sqlite:///{data_dir / 'tipline.db'}"  # the embedded default
    done = subprocess.run(tipline("db", "upgrade"), env=env, cwd=tmp_path, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr
    db = Database(url)
    # Audited as the server would: chained with the keys its settings derive.
    chain.bind(db.engine, chain.keys_from_secret(env["TIPLINE_SECRET_KEY"].encode()))
    with db.transaction() as session:  # in-process: one CLI start-up less
        create_reporter(session, ReporterCreate(name="Crash Test Org", username="crash-reporter",
                                                password=PASSWORD, country="US"), Actor("test"))
    db.dispose()

    server = Server(env, free_port(), tmp_path / "server.log")
    workers = Workers(env, tmp_path / "workers.log")
    traffic = Traffic()
    threads = [threading.Thread(target=reporter_loop, args=(server.url, traffic), daemon=True)
               for _ in range(CLIENTS)]
    kill_after = rng.randint(5, 15)
    try:
        server.start()
        workers.start()
        for thread in threads:
            thread.start()
        def acks() -> int:
            assert any(t.is_alive() for t in threads), server.log.read_text()[-3000:]
            return len(traffic.acked)

        wait_for_count(acks, kill_after, f"acks (seed {seed})")
        time.sleep(rng.uniform(0, 0.25))  # a random moment within the stream
        server.kill()
        workers.kill()
        traffic.stop.set()
        for thread in threads:
            thread.join(PATIENCE)
        acked = set(traffic.acked)

        server.start()  # the same data, fresh processes
        workers.start()
        db = Database(url)
        try:
            def resumed() -> bool:
                with db.sessions() as session:
                    waiting = session.scalar(select(func.count()).select_from(PipelineJob)
                                             .where(PipelineJob.status != "done"))
                    finished = session.scalar(select(func.count()).select_from(Report)
                                              .where(Report.status == "finished"))
                    jobs = session.scalar(select(func.count()).select_from(PipelineJob))
                return waiting == 0 and jobs == finished

            def stages_run() -> int:
                with db.sessions() as session:
                    return int(session.scalar(select(func.count()).select_from(StageRun)) or 0)

            wait_for_progress(resumed, stages_run, "the pipeline to resume")
            server.stop()
            workers.stop()
            verified = subprocess.run(tipline("audit", "verify"), env=env, cwd=tmp_path,
                                      capture_output=True, text=True)
            assert verified.returncode == 0, verified.stdout + verified.stderr
            check_store(db, LocalEvidenceStore(data_dir / "evidence",
                                               base64.b64decode(key)), acked, traffic.sent,
                        f"seed {seed}, killed after {kill_after} acks")
        finally:
            db.dispose()
    finally:
        traffic.stop.set()
        server.stop()
        workers.stop()


def stage_names(url: str, evidence: LocalEvidenceStore) -> list[str]:
    """The pipeline's stages, in order, as the server builds them."""
    key = base64.b64encode(evidence.keyring.keys[evidence.keyring.current_id]).decode()
    state = build_state(make_settings(url, evidence.root.parent, evidence_key=key))
    try:
        return list(state.runner.order)
    finally:
        state.db.dispose()


def decrypted_sha256(evidence: LocalEvidenceStore, address: str) -> str:
    digest = hashlib.sha256()
    for chunk in evidence.open(address):
        digest.update(chunk)
    return digest.hexdigest()


def check_store(db: Database, evidence: LocalEvidenceStore, acked: set[int],
                sent: dict[int, list[str]], context: str) -> None:
    with db.sessions() as session:
        reports = {r.id: r for r in session.scalars(select(Report))}
        files: dict[int, list[ReportFile]] = {}
        for f in session.scalars(select(ReportFile)):
            files.setdefault(f.report_id, []).append(f)
        jobs = {j.report_id: j for j in session.scalars(select(PipelineJob))}
        runs = Counter((r.report_id, r.stage) for r in session.scalars(select(StageRun)))
        signals = Counter((s.file_id, s.signal_type, s.source)
                          for s in session.scalars(select(FileSignal)))

    assert acked, context
    stages = stage_names(db.url, evidence)
    assert acked <= set(reports), f"acknowledged reports lost: {acked - set(reports)} ({context})"
    for report_id, report in reports.items():
        own = files.get(report_id, [])
        for f in own:  # every recorded file is stored whole and decrypts to what was sent
            assert decrypted_sha256(evidence, f.sha256) == f.sha256, context
            assert f.sha256 in sent.get(report_id, []), context
        if report_id in acked:
            assert report.status == "finished", context
        if report.status != "finished":
            assert report_id not in jobs, f"an unfinished report was queued ({context})"
            continue
        # Finished, acknowledged or not: complete, and processed exactly once.
        assert len(own) == FILES and all(f.details is not None for f in own), context
        assert sorted(f.sha256 for f in own) == sorted(sent[report_id]), context
        job = jobs.get(report_id)
        assert job is not None and job.status == "done", (report_id, context)
        for stage in stages:
            assert runs[(report_id, stage)] == 1, (report_id, stage, context)
        for f in own:
            for kind in ("md5", "sha1", "sha256"):
                assert signals[(f.id, kind, "computed")] == 1, (f.id, kind, context)
    assert set(runs.values()) <= {1}, context
    # Sealed files are written atomically: whatever sits under an address decrypts to it.
    for path in evidence.root.glob("??/??/*"):
        assert decrypted_sha256(evidence, path.name) == path.name, context
