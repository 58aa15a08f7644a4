"""The forecast an agency reads (deliveries queued, cases expected, deadlines falling due), on
a crafted dataset, against both databases."""

from __future__ import annotations

import datetime as dt

from routing_support import import_sample
from tipline.agencies import service as agencies_service
from tipline.agencies import store
from tipline.cases.models import Case
from tipline.db import utcnow
from tipline.delivery import service
from tipline.delivery.models import Delivery
from tipline.routing.models import Route
from tipline.state import AppState

from support import add_reporter


def test_forecast_on_a_crafted_dataset(state: AppState) -> None:
    import_sample(state)
    add_reporter(state, "platform-a", country="US")
    now = utcnow()
    with state.db.transaction() as session:
        se = store.agency(session, "SE-NOA")
        de = store.agency(session, "DE-BKA")
        assert se is not None and de is not None
        cases = [Case(status="open") for _ in range(5)]
        session.add_all(cases)
        session.flush()
        plan = [(0, 2, 10), (1, 30, 30), (2, 100, 24 * 5), (3, 24 * 9, -5)]
        for i, age_h, due_h in plan:
            r = Route(case_id=cases[i].id, agency_id=se.id, status="active",
                      computed_at=now - dt.timedelta(hours=age_h),
                      deadline=now + dt.timedelta(hours=due_h))
            session.add(r)
            session.flush()
            status = ["pending", "pending", "superseded", "dead"][i]
            session.add(Delivery(route_id=r.id, case_id=cases[i].id, agency_id=se.id,
                                 case_version=f"v{i}", idempotency_key=f"k{i}",
                                 status=status))
        # A superseded route of case 0 (re-routed) counts once; another agency's not at all.
        session.add(Route(case_id=cases[0].id, agency_id=se.id, status="superseded",
                          computed_at=now - dt.timedelta(hours=3)))
        session.add(Route(case_id=cases[4].id, agency_id=de.id, status="active",
                          computed_at=now, deadline=now + dt.timedelta(hours=1)))
    with state.db.sessions() as session:
        agency = agencies_service.agency_for_user(session, "SE-NOA")
        result = service.forecast(session, agency, now)
    assert result["queued_now"] == 2
    assert result["queued_by_status"] == {"pending": 2, "dead": 1}
    assert result["recent_cases"] == 3 and result["expected_next_24h"] == round(3 / 7, 1)
    assert (result["deadlines_next_24h"], result["deadlines_next_7d"],
            result["deadlines_passed"]) == (1, 3, 1)
