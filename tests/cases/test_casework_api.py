"""The casework JSON API: one route per act, errors answered in one place (409 for a case
someone else holds, 400 for a transition the rules refuse, 404 for what the user may not see,
403 for an agency user on a case routed to it)."""

from __future__ import annotations

import httpx

from casework_support import add_cases, staff
from linking_support import case_of, login, run, submit
from staff_support import STAFF_PASSWORD
from tipline.agencies.models import Agency
from tipline.routing.models import Route
from tipline.state import AppState

from support import LiveServer


def test_casework_routes(server: LiveServer, state: AppState, http: httpx.Client) -> None:
    reporter = login(state)
    r1 = submit(state, reporter, {}, account="a")
    r2 = submit(state, reporter, {}, account="a")
    r3 = submit(state, reporter, {}, account="z")
    for report_id in (r1, r2, r3):
        server.wait_processed(report_id)
    run(state)
    case_id, other = case_of(state)[r1], case_of(state)[r3]
    ana, bob = staff(state, "ana"), staff(state, "bob")
    sue = staff(state, "sue", "supervisor")
    as_ana, as_bob = ("ana", STAFF_PASSWORD), ("bob", STAFF_PASSWORD)
    url = f"{server.url}/api/v1/cases/{case_id}"

    assert http.post(f"{url}/take").status_code == 401
    taken = http.post(f"{url}/take", auth=as_ana)
    assert taken.status_code == 200 and taken.json()["owner"] == "ana"
    held = http.post(f"{url}/take", auth=as_bob)
    assert held.status_code == 409 and "held by ana" in held.json()["error"]["message"]
    bad = http.post(f"{url}/status", auth=as_ana, json={"status": "closed"})
    assert bad.status_code == 400 and "closing_reason" in bad.json()["error"]["message"]
    note = http.post(f"{url}/notes", auth=as_ana, json={"text": "accounts checked"})
    assert note.status_code == 201 and note.json()["author"] == "ana"
    split = http.post(f"{url}/split", auth=as_ana, json={"report_id": r2, "reason": "no"})
    assert split.status_code == 200 and len(split.json()["new_case_ids"]) == 1
    merge = http.post(f"{url}/merge", auth=as_ana,
                      json={"other_case_id": other, "reason": "same person"})
    assert merge.status_code == 200 and merge.json()["merged"] == [other]
    unlink = http.post(f"{url}/unlink", auth=as_ana,
                       json={"report_id": r1, "other_report_id": r3, "reason": "x"})
    assert unlink.status_code == 200  # the hand merge's link, undone
    closed = http.post(f"{url}/status", auth=as_ana, json={
        "status": "closed", "closing_reason": "no_lead"})
    assert closed.status_code == 200 and closed.json()["owner"] is None
    assigned = http.post(f"{url}/assign", auth=("sue", STAFF_PASSWORD),
                         json={"user_id": bob.id})
    assert assigned.status_code == 409  # closed: reopen first
    assert http.post(f"{url}/assign", auth=as_ana, json={"user_id": bob.id}).status_code == 403
    assert http.post(f"{server.url}/api/v1/cases/999999/take", auth=as_ana).status_code == 404
    view = http.get(url, auth=as_ana).json()
    assert view["status"] == "closed" and view["closing_reason"] == "no_lead"
    assert [n["text"] for n in view["notes"]] == ["accounts checked"]
    assert {"taken", "note_added", "split_out", "absorbed_by_hand", "link_removed",
            "status_changed"} <= {e["kind"] for e in view["history"]}
    assert ana.id != sue.id


def test_worklist_next_and_agency_users(server: LiveServer, state: AppState,
                                        http: httpx.Client) -> None:
    routed, hidden = add_cases(state, [("P1", 150), ("P2", 70)])
    with state.db.transaction() as session:
        agency = Agency(code="DE-BKA", name="BKA", countries=["DE"], channel="direct",
                        delivery_method="pull")
        session.add(agency)
        session.flush()
        session.add(Route(case_id=routed, agency_id=agency.id))
    staff(state, "ana")
    staff(state, "agent", "agency", organisation="DE-BKA")
    as_ana, as_agent = ("ana", STAFF_PASSWORD), ("agent", STAFF_PASSWORD)
    nxt = http.post(f"{server.url}/api/v1/worklist/next", auth=as_ana)
    assert nxt.status_code == 200 and nxt.json()["case"]["case_id"] == routed
    nxt = http.post(f"{server.url}/api/v1/worklist/next", auth=as_ana, json={"level": "P2"})
    assert nxt.json()["case"]["case_id"] == hidden
    assert http.post(f"{server.url}/api/v1/worklist/next", auth=as_ana).json() == {"case": None}
    cases = f"{server.url}/api/v1/cases"
    assert http.get(f"{cases}/{routed}", auth=as_agent).status_code == 200
    assert http.post(f"{cases}/{routed}/notes", auth=as_agent,
                     json={"text": "x"}).status_code == 403
    assert http.post(f"{cases}/{hidden}/notes", auth=as_agent,
                     json={"text": "x"}).status_code == 404
    assert http.post(f"{server.url}/api/v1/worklist/next", auth=as_agent).status_code == 403
