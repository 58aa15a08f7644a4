"""The OpenAPI document the README points users to is served and lists every API."""

from __future__ import annotations

import httpx

from support import LiveServer


def test_openapi_lists_every_api(server: LiveServer, http: httpx.Client) -> None:
    spec = http.get(f"{server.url}/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for expected in ("/ispws/submit", "/ispws/upload", "/api/v1/reports",
                     "/api/v1/match/media", "/api/v1/worklist", "/api/v1/cases/{case_id}",
                     "/api/v1/agencies/me/queue"):
        assert expected in paths, expected
    assert http.get(f"{server.url}/docs").status_code == 200
