"""Outcome tests: reporters' webhooks are real HTTP servers on 127.0.0.1, so loopback is
allowed explicitly here, with short time limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipline.settings import Settings

from support import make_settings

FAST = {
    "outbound_allow_loopback": True,
    "outbound_connect_timeout_seconds": 0.5,
    "outbound_read_timeout_seconds": 1.0,
    "outbound_total_timeout_seconds": 2.0,
    "run_pipeline_in_server": False,
}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var", **FAST)
