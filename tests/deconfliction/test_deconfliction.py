"""Deconfliction against both databases: a routed case touching a watched identifier tells the
watching agency and the agency the case is routed to, once each."""

from __future__ import annotations

from sqlalchemy import select

from routing_support import ACTOR, import_sample, new_case, report, route
from tipline.agencies import store
from tipline.agencies.models import Agency
from tipline.alerts.models import Alert
from tipline.db import utcnow
from tipline.deconfliction import service
from tipline.deconfliction.models import WatchHit
from tipline.state import AppState

from support import add_reporter


def codes(state: AppState) -> dict[int, str]:
    with state.db.sessions() as session:
        return {a.id: a.code for a in session.scalars(select(Agency))}

def test_deconfliction_notifies_both_agencies(state: AppState) -> None:
    import_sample(state)
    add_reporter(state, "platform-a", country="US")
    with state.db.transaction() as session:
        bka = store.agency(session, "DE-BKA")
        assert bka is not None
        service.add_watch(session, bka, "email", "Suspect@Example.test", "BKA-2026-17", ACTOR)
        service.add_watch(session, bka, "hash", "0" * 32, "BKA-2026-18", ACTOR,
                          algorithm="md5")
    rid = report(state, "platform-a", ips=[("192.0.2.10", utcnow())],
                 idents=[("email", "suspect@example.test")])
    case_id = new_case(state, rid)
    outcome = route(state, case_id)
    assert len(outcome.hits) == 1 and sorted(outcome.hits[0].notified) == ["DE-BKA", "SE-NOA"]
    route(state, case_id)  # a recompute tells nobody twice
    names = codes(state)
    with state.db.sessions() as session:
        alerts = list(session.scalars(select(Alert).where(Alert.kind == "deconfliction")))
        [hit] = session.scalars(select(WatchHit)).all()
    assert hit.case_id == case_id
    by_agency = {names[a.agency_id]: a.message for a in alerts if a.agency_id}
    assert len(alerts) == 2 and set(by_agency) == {"DE-BKA", "SE-NOA"}
    assert "routed to SE-NOA" in by_agency["DE-BKA"] and "BKA-2026-17" in by_agency["DE-BKA"]
    se_message = by_agency["SE-NOA"]
    assert "DE-BKA" in se_message and "suspect@example.test" in se_message
    assert "cse-desk@de-federal.example.org" in se_message and "BKA-2026" not in se_message
