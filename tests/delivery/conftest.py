"""Delivery tests run against real HTTP test agencies on 127.0.0.1, so loopback is allowed
explicitly here, with short time limits and backoffs to keep the fault tests fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipline.settings import Settings

from support import make_settings

FAST = {
    "outbound_allow_loopback": True,
    "outbound_connect_timeout_seconds": 0.5,
    "outbound_read_timeout_seconds": 0.3,
    "outbound_total_timeout_seconds": 1.0,
    "delivery_backoff_base_seconds": 0.01,
    "delivery_backoff_max_seconds": 0.05,
    "delivery_max_attempts": 4,
    "delivery_lease_seconds": 5.0,
    "run_pipeline_in_server": False,
}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var", **FAST)
