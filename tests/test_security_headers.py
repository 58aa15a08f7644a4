"""Security headers on every response: API and pages, successes, errors (a 500 too), redirects
and static files; HSTS only in production; no-store on everything but static files."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tipline.app import create_app
from tipline.http import CONTENT_SECURITY_POLICY
from tipline.settings import Settings

STRICT = {"x-frame-options": "DENY", "x-content-type-options": "nosniff",
          "referrer-policy": "same-origin", "content-security-policy": CONTENT_SECURITY_POLICY}


def _app(tmp_path: Path, environment: str = "test") -> FastAPI:
    settings = Settings(environment=environment,  # type: ignore[arg-type]
                        data_dir=tmp_path, secret_key=secrets.token_urlsafe(32),
                        evidence_key=base64.b64encode(secrets.token_bytes(32)).decode())
    app = create_app(settings)

    @app.get("/api/v1/boom-for-test")
    async def boom() -> None:
        raise RuntimeError("a bug")

    return app


def test_the_policy_allows_nothing_inline_and_no_other_origin() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "http" not in (
        CONTENT_SECURITY_POLICY)


@pytest.mark.parametrize("path, status", [
    ("/healthz", 200), ("/openapi.json", 200), ("/docs", 200), ("/login", 200),
    ("/worklist", 303), ("/api/v1/worklist", 401), ("/ispws/status", 401),
    ("/no/such/page", 404), ("/api/v1/boom-for-test", 500)])
def test_every_response_carries_the_headers(tmp_path: Path, path: str, status: int) -> None:
    client = TestClient(_app(tmp_path), raise_server_exceptions=False, follow_redirects=False)
    answer = client.get(path)
    assert answer.status_code == status
    for name, value in STRICT.items():
        assert answer.headers[name] == value, (path, name)
    assert answer.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in answer.headers


def test_static_files_may_be_cached_and_docs_need_no_inline_script(tmp_path: Path) -> None:
    client = TestClient(_app(tmp_path))
    css = client.get("/static/tipline.css")
    assert css.status_code == 200 and css.headers.get("cache-control") != "no-store"
    assert css.headers["x-content-type-options"] == "nosniff"
    docs = client.get("/docs").text
    assert "<script>" not in docs and "/static/swagger-init.js" in docs
    assert client.get("/static/swagger-init.js").status_code == 200


def test_production_adds_hsts(tmp_path: Path) -> None:
    answer = TestClient(_app(tmp_path, "production")).get("/healthz")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
