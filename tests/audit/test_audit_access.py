"""On PostgreSQL the application may connect as a role that can only insert and read audit
rows (migrations run as the owner from a second URL); and `tipline audit verify` from the
command line."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from audit_support import checked, tamper, write_events
from tipline.cli import app
from tipline.settings import Settings
from tipline.state import AppState, build_state

from support import make_settings


@pytest.fixture
def limited_url(settings: Settings) -> Iterator[str]:
    if settings.is_sqlite:
        pytest.skip("database roles are PostgreSQL's")
    role = f"tipline_app_{os.getpid()}"
    owner = create_engine(settings.resolved_database_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public '
                          f'TO "{role}"'))
        conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
        conn.execute(text(f'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM "{role}"'))
    yield make_url(settings.resolved_database_url).set(username=role).render_as_string(
        hide_password=False)
    with owner.connect() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))
    owner.dispose()


def test_the_application_role_may_only_insert_and_read_audit_rows(
        settings: Settings, limited_url: str) -> None:
    limited = build_state(make_settings(
        limited_url, settings.data_dir, secret_key=settings.secret_key,
        migration_database_url=settings.resolved_database_url))
    try:
        write_events(limited, 4, per_act=2)
        assert checked(limited).ok
        for attack in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events",
                       "TRUNCATE audit_events",
                       "ALTER TABLE audit_events DISABLE TRIGGER USER",
                       "DROP TRIGGER audit_events_append_only ON audit_events"):
            with pytest.raises(Exception, match=r"permission denied|must be owner"), \
                    limited.db.engine.begin() as conn:
                conn.execute(text(attack))
        assert checked(limited).rows == 8
    finally:
        limited.db.dispose()


def test_migrations_run_from_the_migration_url(
        settings: Settings, limited_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_DATABASE_URL", limited_url)
    monkeypatch.setenv("TIPLINE_MIGRATION_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("cli_env")
def test_verify_from_the_command_line(state: AppState) -> None:
    write_events(state, 4)
    runner = CliRunner()
    first = runner.invoke(app, ["audit", "verify"])
    assert first.exit_code == 0, first.output
    assert "4 rows checked" in first.output and "signed checkpoint" in first.output
    tamper(state, "DELETE FROM audit_events WHERE id = 4")
    second = runner.invoke(app, ["audit", "verify"])
    assert second.exit_code == 1
    assert "truncated" in second.output and "row 4" in second.output
    assert runner.invoke(app, ["audit", "checkpoint"]).exit_code == 0
