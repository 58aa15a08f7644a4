"""Shared fixtures. Every database test runs twice: on the embedded SQLite default and on a real
PostgreSQL (TIPLINE_TEST_POSTGRES_URL; a fresh database is created for the session)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tipline.db import Database
from tipline.migrate import upgrade
from tipline.settings import Settings
from tipline.state import AppState, build_state

from support import PG_ADMIN_URL, LiveServer, _truncate, add_reporter, make_settings


@pytest.fixture(autouse=True)
def no_outside_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never ask a real DNS server: routing does not resolve reported URLs' hosts (the
    variable reaches `tipline serve` subprocesses too), and should anything build the system
    resolver anyway, every host resolves to loopback. Routing tests inject their own fake."""
    from tipline.routing import geo

    monkeypatch.setenv("TIPLINE_ROUTING_RESOLVE_HOSTS", "false")
    monkeypatch.setattr(geo.SystemResolver, "resolve", lambda _self, _host: ["127.0.0.1"])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "tipline.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"tipline_test_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a missing PostgreSQL is a failure, not a skip
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc}")
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "tipline.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var")


@pytest.fixture
def state(settings: Settings) -> Iterator[AppState]:
    app_state = build_state(settings)
    yield app_state
    app_state.db.dispose()


@pytest.fixture
def reporter(state: AppState) -> tuple[str, str]:
    return add_reporter(state, "platform-a")


@pytest.fixture
def server(state: AppState) -> Iterator[LiveServer]:
    live = LiveServer(state)
    live.start()
    yield live
    live.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point `tipline` commands run in-process (Typer's runner) at the test's database."""
    for name, value in {"DATABASE_URL": settings.resolved_database_url,
                        "DATA_DIR": str(settings.data_dir), "ENVIRONMENT": "test",
                        "EVIDENCE_KEY": settings.evidence_key,
                        "SECRET_KEY": settings.secret_key}.items():
        monkeypatch.setenv(f"TIPLINE_{name}", value)
    monkeypatch.setenv("COLUMNS", "250")  # Rich tables in full
