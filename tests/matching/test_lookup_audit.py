"""Lookups' audit rows: written at once before the writer starts, in batches after, and a
stop writes what waits (a clean shutdown loses none)."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from tipline.audit.models import AuditEvent
from tipline.audit.service import Actor, Event
from tipline.matching.lookup_audit import LookupAudit
from tipline.state import AppState

from support import LiveServer

PATIENCE = 60.0


def lookups(state: AppState) -> list[tuple[str, str, dict[str, int]]]:
    with state.db.sessions() as s:
        rows = s.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail)
                         .where(AuditEvent.action.like("match.%")).order_by(AuditEvent.id))
        return [(a, b, dict(c)) for a, b, c in rows]


def test_rows_wait_for_the_writer_and_a_stop_writes_them(state: AppState) -> None:
    audit = LookupAudit(state.db, flush_seconds=3600)  # only `stop` will write
    audit.add(Actor("reporter:1"), Event("match.hashes", "match", "-", {"count": 1}))
    assert lookups(state) == [("reporter:1", "match.hashes", {"count": 1})]  # not started
    audit.start()
    audit.add(Actor("reporter:2"), Event("match.hashes", "match", "-", {"count": 5}))
    audit.add(Actor("reporter:1"), Event("match.media", "match", "-", {"count": 2}))
    assert len(lookups(state)) == 1
    audit.stop()
    assert sorted(lookups(state)[1:]) == [("reporter:1", "match.media", {"count": 2}),
                                          ("reporter:2", "match.hashes", {"count": 5})]


def test_an_api_lookup_is_audited(server: LiveServer, reporter: tuple[str, str],
                                  state: AppState, http: httpx.Client) -> None:
    answer = http.post(f"{server.url}/api/v1/match/hashes", auth=reporter,
                       json={"hashes": [{"type": "md5", "value": "0" * 32}] * 3})
    assert answer.status_code == 200
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and not lookups(state):
        time.sleep(0.1)
    [(actor, action, detail)] = lookups(state)
    assert actor.startswith("reporter:") and (action, detail) == ("match.hashes", {"count": 3})
