"""The batch match API and bank writes over HTTP: shape, limits, errors, freshness."""

from __future__ import annotations

import secrets
import time

import httpx

from staff_support import add_user
from tipline.banks.formats import FORMATS
from tipline.banks.records import HashRecord
from tipline.state import AppState

from support import LiveServer

PATIENCE = 120.0


def near(value: str, flips: int) -> str:
    number = int(value, 16)
    for bit in range(flips):
        number ^= 1 << (bit * 7)
    return f"{number:064x}"


def test_bank_writes_and_batch_match(server: LiveServer, reporter: tuple[str, str],
                                     state: AppState, http: httpx.Client) -> None:
    staff = add_user(state, "ana", role="analyst")
    url = f"{server.url}/api/v1"
    assert http.post(f"{url}/banks", json={"name": "list"}, auth=reporter).status_code == 401
    assert http.post(f"{url}/banks", json={"name": "list"}, auth=staff).status_code == 201
    records = [HashRecord("pdq", secrets.token_hex(32), classifications={"industry": "A1"},
                          source_list="daily") for _ in range(300)]
    imported = http.post(f"{url}/banks/list/import?format=hma", auth=staff,
                         content=FORMATS["hma"].write(records))
    assert imported.status_code == 200 and imported.json()["new_entries"] == 300
    bad = http.post(f"{url}/banks/list/import", auth=staff, content=b"signal_type,value\nmd5,x\n")
    assert bad.status_code == 400 and "line 2" in bad.json()["error"]["message"]
    one = secrets.token_hex(32)
    added = http.post(f"{url}/banks/list/entries", auth=staff,
                      json={"type": "pdq", "value": one, "contributor": "NGO"})
    assert added.status_code == 201
    hashes = [{"type": "pdq", "value": near(r.value, 3)} for r in records[:500]]
    hashes += [{"type": "pdq", "value": one}, {"type": "md5", "value": "0" * 32}]
    deadline, found = time.monotonic() + PATIENCE, []
    while time.monotonic() < deadline:
        found = http.post(f"{url}/match/hashes", json={"hashes": hashes}, auth=reporter).json()
        if all(item["matches"] for item in found[:301]):
            break
    assert len(found) == 302 and found[-1]["matches"] == []
    first = found[0]["matches"][0]
    assert first["distance"] == 3 and first["provenance"][0]["source_list"] == "daily"
    assert found[300]["matches"][0]["provenance"][0]["contributor"] == "NGO"
    disabled = http.post(f"{url}/banks/list/entries/enabled/false", auth=staff,
                         json={"type": "pdq", "value": one})
    assert disabled.status_code == 204
    gone = http.post(f"{url}/match/hashes", json={"hashes": [{"type": "pdq", "value": one}]},
                     auth=reporter).json()
    assert gone[0]["matches"] == []
    assert http.post(f"{url}/banks/nope/entries/enabled/false", auth=staff,
                     json={"type": "pdq", "value": one}).status_code == 404


def test_batch_limits(server: LiveServer, reporter: tuple[str, str], http: httpx.Client) -> None:
    url = f"{server.url}/api/v1/match/hashes"
    too_many = {"hashes": [{"type": "md5", "value": "0" * 32}] * 1001}
    answer = http.post(url, json=too_many, auth=reporter)
    assert answer.status_code == 400 and "1000" in answer.json()["error"]["message"]
    bad = http.post(url, json={"hashes": [{"type": "pdq", "value": "xyz"}]}, auth=reporter)
    assert bad.status_code == 400 and "hashes[0]" in bad.json()["error"]["message"]
    ok = http.post(url, json={"hashes": [{"type": "md5", "value": "0" * 32}] * 1000},
                   auth=reporter)
    assert ok.status_code == 200 and len(ok.json()) == 1000
