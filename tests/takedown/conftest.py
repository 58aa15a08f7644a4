"""Takedown tests: settings that let checks reach the loopback test hosts and send mail to
a local SMTP server; a clock the test moves; the worker built on them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from takedown_support import Clock, loopback_host, make_worker, smtp_sink
from tipline.settings import Settings
from tipline.state import AppState
from tipline.takedown.worker import TakedownWorker

from support import make_settings


@pytest.fixture
def smtp() -> Iterator[object]:
    with smtp_sink() as server:
        yield server


@pytest.fixture
def host() -> Iterator[object]:
    with loopback_host() as server:
        yield server


@pytest.fixture
def settings(db_url: str, tmp_path: Path, smtp: object) -> Settings:
    port = smtp.server_address[1]  # type: ignore[attr-defined]
    return make_settings(db_url, tmp_path / "var", outbound_allow_loopback=True,
                         takedown_smtp_port=port, takedown_centre_country="NL",
                         takedown_check_timeout_seconds=2.0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(state: AppState, clock: Clock) -> Iterator[TakedownWorker]:
    built = make_worker(state.db, state.settings, clock)
    yield built
    built.close()
