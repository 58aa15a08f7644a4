"""Legal authority is recorded by a supervisor or administrator, for their own jurisdiction
only: a supervisor acting in one country cannot unlock a file for another country's staff."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from staff_support import add_report, add_user
from tipline.classification.models import LegalAuthority
from tipline.state import AppState

from factories import png_bytes
from support import LiveServer, add_reporter


def authorities(state: AppState) -> int:
    with state.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(LegalAuthority)) or 0)


def test_a_supervisor_records_authority_only_for_their_own_jurisdiction(
        state: AppState, server: LiveServer, http: httpx.Client) -> None:
    add_reporter(state, "platform-a")
    _, [file_id] = add_report(state, "platform-a",
                              files=[{"content": png_bytes(9), "viewed_by_reporter": False}])
    url = f"{server.url}/api/v1/files/{file_id}/authority"
    german = add_user(state, "greta", role="supervisor", jurisdiction="DE")
    analyst = add_user(state, "ana", role="analyst", jurisdiction="US")

    abroad = http.post(url, json={"reference": "W-1", "jurisdiction": "US"}, auth=german)
    assert abroad.status_code == 403 and abroad.json()["error"]["type"] == "not_authorised"
    assert "act in DE" in abroad.json()["error"]["message"]
    assert http.post(url, json={"reference": "W-1", "jurisdiction": "US"},
                     auth=analyst).status_code == 403
    assert http.post(url, json={"reference": "W-1"}, auth=analyst).status_code == 403
    assert authorities(state) == 0  # nothing was written by a refusal

    home = http.post(url, json={"reference": "W-2", "jurisdiction": "de"}, auth=german)
    assert home.status_code == 201 and home.json()["jurisdiction"] == "DE"
    implied = http.post(url, json={"reference": "W-3"}, auth=german)
    assert implied.status_code == 201 and implied.json()["jurisdiction"] == "DE"
    assert authorities(state) == 2
    missing = http.post(f"{server.url}/api/v1/files/{'0' * 32}/authority",
                        json={"reference": "W-4"}, auth=german)
    assert missing.status_code == 404
