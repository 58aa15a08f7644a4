"""Hostile input over the whole OpenAPI: schemathesis generates requests for every operation
(valid and invalid parameters, bodies, odd strings and numbers) and sends them as each role,
as a reporter and as anonymous; no answer may be a server error.

CI runs a few examples per operation and role (`TIPLINE_FUZZ_EXAMPLES`, default 2: some
hundreds of requests per database); a longer run: `TIPLINE_FUZZ_EXAMPLES=200 pytest
tests/test_fuzz_api.py` (see docs/security.md)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings

from routing_support import add_agency_user, import_sample
from staff_support import add_report, add_user
from tipline.app import create_app
from tipline.state import AppState

from support import add_reporter

EXAMPLES = int(os.environ.get("TIPLINE_FUZZ_EXAMPLES", "2"))
ROLES = ["anonymous", "reporter", "analyst", "supervisor", "admin", "agency"]


@pytest.fixture
def fuzz_credentials(state: AppState) -> dict[str, tuple[str, str]]:
    import_sample(state)
    reporter = add_reporter(state, "platform-fuzz")
    add_report(state, "platform-fuzz", files=[{"content": b"benign bytes"}])
    return {"reporter": reporter, "analyst": add_user(state, "fuzz-analyst"),
            "supervisor": add_user(state, "fuzz-super", "supervisor"),
            "admin": add_user(state, "fuzz-admin", "admin"),
            "agency": add_agency_user(state, "fuzz-agency", "SE-NOA")}


@pytest.fixture
def fuzz_app(state: AppState, fuzz_credentials: dict[str, tuple[str, str]]) -> Iterator[FastAPI]:
    yield create_app(state=state)


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_no_request_is_a_server_error(fuzz_app: FastAPI,
                                      fuzz_credentials: dict[str, tuple[str, str]]) -> None:
    """Each generated request is sent once as every role (each answers differently: 401,
    403, 404 or the real work)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    headers = {role: {} if role == "anonymous" else _basic(*fuzz_credentials[role])
               for role in ROLES}
    sent, failures = 0, []

    def send(case: Any) -> None:
        nonlocal sent
        for role in ROLES:
            where = f"{case.method} {case.formatted_path} as {role}"
            sent += 1
            try:
                response = case.call(headers=headers[role])
            except Exception as exc:  # the in-process transport re-raises the server's error
                failures.append(f"{where}: {type(exc).__name__}: {str(exc)[:300]}\n"
                                f"{case.as_curl_command()}")
                continue
            if response.status_code >= 500:  # all are collected: one run shows every cause
                failures.append(f"{where}: {response.status_code}\n{case.as_curl_command()}")

    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None,
                        phases=[Phase.explicit, Phase.generate],  # nothing to shrink
                        suppress_health_check=list(HealthCheck))(
            given(case=operation.as_strategy())(send))
        fuzz()
    assert failures == [], "\n".join(failures)
    assert operations >= 60 and sent >= operations * len(ROLES)
