"""Test helpers shared by every test directory (imported as `support`; conftest modules are
all named `conftest`, so helpers there would be ambiguous)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn
from sqlalchemy import create_engine, text

from tipline.app import create_app
from tipline.audit.service import Actor
from tipline.db import Base
from tipline.reporters.schemas import ReporterCreate
from tipline.reporters.service import create_reporter
from tipline.settings import Settings
from tipline.state import AppState

PG_ADMIN_URL = os.environ.get(
    "TIPLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct-horse-battery-staple"
# Ceiling for anything a test waits on: generous, so a loaded machine (two suites at once on
# two cores) only makes a test slower, never failing; a test waits on progress, not on time.
PATIENCE = 120.0

def _truncate(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # The audit log refuses TRUNCATE; its owner (the tests) may lift that for a moment.
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate"))
    engine.dispose()


def make_settings(db_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": data_dir,
        "database_url": db_url,
        "evidence_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        "secret_key": secrets.token_urlsafe(32),
        "run_pipeline_in_server": True,
        "worker_poll_seconds": 0.05,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def add_reporter(state: AppState, username: str, name: str | None = None,
                 country: str | None = "US") -> tuple[str, str]:
    with state.db.transaction() as session:
        create_reporter(session, ReporterCreate(
            name=name or f"Org {username}", username=username, password=PASSWORD,
            country=country), Actor("test"))
    return username, PASSWORD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """tipline served by uvicorn on a loopback port, in a thread of the test process."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(state=state), host="127.0.0.1", port=self.port,
                                log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + PATIENCE
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=PATIENCE)

    def wait_processed(self, report_id: int, timeout: float = PATIENCE) -> None:
        from tipline.pipeline.models import PipelineJob

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.state.db.sessions() as session:
                job = session.get(PipelineJob, report_id)
                if job is not None and job.status in ("done", "failed"):
                    return
            time.sleep(0.05)
        raise AssertionError(f"report {report_id} was not processed in {timeout}s")


def worker_env(state: AppState) -> dict[str, str]:
    """Environment for `tipline worker` subprocesses on the test's database and evidence."""
    settings = state.settings
    return {
        **os.environ,
        "TIPLINE_ENVIRONMENT": "test",
        "TIPLINE_DATABASE_URL": settings.resolved_database_url,
        "TIPLINE_DATA_DIR": str(settings.data_dir),
        "TIPLINE_EVIDENCE_KEY": settings.evidence_key,
        "TIPLINE_SECRET_KEY": settings.secret_key,
        "TIPLINE_WORKER_POLL_SECONDS": "0.05",
        "PYTHONUNBUFFERED": "1",
    }


def tipline_bin() -> str:
    return str(Path(sys.executable).with_name("tipline"))


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def wait_for_progress(done: Callable[[], bool], progress: Callable[[], object], what: str,
                      stall: float = PATIENCE) -> None:
    """Wait until `done()`, for as long as `progress()` keeps changing: fail only when it has
    not changed for `stall` seconds (however slow the machine, progress is progress)."""
    last, moved = progress(), time.monotonic()
    while not done():
        if time.monotonic() - moved > stall:
            raise AssertionError(f"no progress for {stall:g}s waiting for {what} (at {last})")
        time.sleep(0.05)
        now = progress()
        if now != last:
            last, moved = now, time.monotonic()


def wait_for_count(count: Callable[[], int], target: int, what: str) -> None:
    """`wait_for_progress` until `count()` reaches `target`."""
    wait_for_progress(lambda: count() >= target, count, what)


class HeldWorkers:
    """`tipline worker` processes that all start before the queue opens, so they compete for
    it; stopped with SIGTERM on exit (killed if they do not stop), exit codes kept."""

    def __init__(self, state: AppState, folder: Path, count: int) -> None:
        self.state, self.folder, self.count = state, folder, count
        self.logs = [folder / f"worker-{i}.log" for i in range(count)]
        self.procs: list[subprocess.Popen[bytes]] = []
        self.codes: list[int | None] = []

    def _hold(self, until: dt.datetime) -> None:
        from sqlalchemy import update

        from tipline.pipeline.models import PipelineJob

        with self.state.db.transaction() as session:
            session.execute(update(PipelineJob).values(available_at=until))

    def __enter__(self) -> HeldWorkers:
        self._hold(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        self.procs = [subprocess.Popen([tipline_bin(), "worker"], env=worker_env(self.state),
                                       cwd=self.folder, stdout=log.open("wb"),
                                       stderr=subprocess.STDOUT) for log in self.logs]
        wait_for(lambda: all("running" in log.read_text() for log in self.logs), PATIENCE,
                 "the workers to start")
        self._hold(dt.datetime.now(dt.UTC))
        return self

    def __exit__(self, *_: object) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                self.codes.append(proc.wait(timeout=PATIENCE))
            except subprocess.TimeoutExpired:
                proc.kill()
                self.codes.append(proc.wait())
