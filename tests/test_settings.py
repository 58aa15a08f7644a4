from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from tipline.settings import Settings

GOOD_KEY = base64.b64encode(os.urandom(32)).decode()
GOOD_SECRET = "s" * 40


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
