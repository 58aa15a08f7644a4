"""Queue tests drive delivery against a real test agency on loopback, so loopback is allowed
here; nothing serves in the background unless a test starts it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from queue_support import SECRET, USERS, Control, User

from agency_server import AgencyServer
from tipline.settings import Settings

from support import make_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var", outbound_allow_loopback=True,
                         run_pipeline_in_server=False)


@pytest.fixture
def control() -> Iterator[Control]:
    server = AgencyServer(SECRET).start()
    yield Control(server)
    server.stop()


@pytest.fixture(params=list(USERS))
def user(request: pytest.FixtureRequest) -> User:
    return USERS[request.param]
