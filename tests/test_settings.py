from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError

from tipline.settings import Settings

GOOD_KEY = base64.b64encode(os.urandom(32)).decode()
GOOD_SECRET = secrets.token_urlsafe(32)


def test_development_defaults_use_embedded_sqlite() -> None:
    settings = Settings(data_dir=Path("var"))
    assert settings.resolved_database_url == "sqlite:///var/tipline.db"
    assert settings.pipeline_in_server
    assert settings.resolved_evidence_dir == Path("var/evidence")


@pytest.mark.parametrize("environment", ["test", "production"])
def test_default_evidence_key_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="development evidence key"):
        Settings(environment=environment, secret_key=GOOD_SECRET)  # type: ignore[arg-type]


def test_default_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="TIPLINE_SECRET_KEY"):
        Settings(environment="production", evidence_key=GOOD_KEY)


def test_evidence_key_must_be_32_bytes() -> None:
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(evidence_key=base64.b64encode(b"short").decode())
    with pytest.raises(ValidationError, match="base64"):
        Settings(evidence_key="not base64!!")


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_ENVIRONMENT", "production")
    monkeypatch.setenv("TIPLINE_EVIDENCE_KEY", GOOD_KEY)
    monkeypatch.setenv("TIPLINE_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("TIPLINE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert settings.environment == "production"
    assert not settings.is_sqlite and not settings.pipeline_in_server
    assert settings.evidence_key_bytes == base64.b64decode(GOOD_KEY)


@pytest.mark.parametrize("secret", ["s" * 40, "ab" * 20, "tipline-development-secret-key-change-me",
                                    "short-but-random-Xy7"])
def test_weak_secrets_are_refused_in_production(secret: str) -> None:
    with pytest.raises(ValidationError, match="TIPLINE_SECRET_KEY"):
        Settings(environment="production", evidence_key=GOOD_KEY, secret_key=secret)


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_an_all_zero_or_one_byte_evidence_key_is_refused_everywhere(environment: str) -> None:
    for byte in (b"\0", b"\xff"):
        with pytest.raises(ValidationError, match="repeated byte"):
            Settings(environment=environment,  # type: ignore[arg-type]
                     evidence_key=base64.b64encode(byte * 32).decode(), secret_key=GOOD_SECRET)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "tipline.example.org"])
def test_serving_beyond_loopback_needs_production(host: str) -> None:
    for environment in ("development", "test"):
        with pytest.raises(ValidationError, match="needs TIPLINE_ENVIRONMENT=production"):
            Settings(environment=environment, host=host,  # type: ignore[arg-type]
                     evidence_key=GOOD_KEY, secret_key=GOOD_SECRET)
    assert Settings(environment="production", host=host, evidence_key=GOOD_KEY,
                    secret_key=GOOD_SECRET).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_serving_is_fine_in_development(host: str) -> None:
    assert Settings(host=host).host == host


def test_serve_refuses_a_public_address_outside_production(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from tipline.cli import app

    monkeypatch.setenv("TIPLINE_ENVIRONMENT", "development")
    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "needs TIPLINE_ENVIRONMENT=production" in result.output
