"""Agency isolation over HTTP: an agency user reads only what was routed to its agency, by id
(anything else is a 404) and in every list it can call; the centre's staff see everything."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from access_support import World, build_world

from staff_support import STAFF_PASSWORD, add_user
from tipline.state import AppState

from support import LiveServer


@pytest.fixture
def world(state: AppState) -> World:
    return build_world(state)


def _get(http: httpx.Client, url: str, auth: tuple[str, str]) -> Any:
    answer = http.get(url, auth=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_another_agencys_things_are_404_by_id(
        state: AppState, server: LiveServer, http: httpx.Client, world: World) -> None:
    api, b = f"{server.url}/api/v1", world.user_b
    assert http.get(f"{api}/cases/{world.case_a}", auth=b).status_code == 404
    assert http.get(f"{api}/clusters/{world.own_cluster_a}", auth=b).status_code == 404
    for what in ("classification", "access", "content"):
        missing = http.get(f"{api}/files/{world.file_a}/{what}", auth=b)
        assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"
    me = f"{api}/agencies/me"
    for what in ("package.json", "package.xml", "bundle"):
        assert http.get(f"{me}/deliveries/{world.delivery_a}/{what}", auth=b
                        ).status_code == 404
    assert http.post(f"{me}/deliveries/{world.delivery_a}/ack", auth=b).status_code == 404
    # What B may know but not do: evidence content is the centre's (403, not 404).
    own = http.get(f"{api}/files/{world.file_b}/content", auth=b)
    assert own.status_code == 403 and own.json()["error"]["type"] == "not_authorised"
    assert _get(http, f"{api}/files/{world.file_b}/access", b)["file_id"] == world.file_b
    assert _get(http, f"{api}/files/{world.file_b}/classification", b)["file_id"] == (
        world.file_b)
    assert _get(http, f"{api}/cases/{world.case_b}", b)["id"] == world.case_b


def test_another_agencys_things_are_in_no_list(
        state: AppState, server: LiveServer, http: httpx.Client, world: World) -> None:
    api, me, a, b = (f"{server.url}/api/v1", f"{server.url}/api/v1/agencies/me",
                     world.user_a, world.user_b)
    watch = http.post(f"{me}/watches", auth=a, json={"kind": "email",
                                                     "value": "x@example.test"})
    assert watch.status_code == 201
    assert [c["case_id"] for c in _get(http, f"{api}/worklist", b)] == [world.case_b]
    assert [c["case_id"] for c in _get(http, f"{api}/worklist", a)] == [world.case_a]
    assert {r["case_id"] for r in _get(http, f"{me}/routes", b)} == {world.case_b}
    assert [i["delivery_id"] for i in _get(http, f"{me}/queue", b)["items"]] == [
        world.delivery_b]
    assert _get(http, f"{me}/alerts", b) == []
    assert [x["id"] for x in _get(http, f"{me}/alerts", a)] == [world.alert_a]
    assert _get(http, f"{me}/watches", b) == []
    assert http.delete(f"{me}/watches/{watch.json()['id']}", auth=b).status_code == 404
    case_b = _get(http, f"{api}/cases/{world.case_b}", b)
    assert [r["report_id"] for r in case_b["reports"]] == [world.report_b]
    assert [c["cluster_id"] for c in case_b["clusters"]] == [world.shared_cluster]
    shared = _get(http, f"{api}/clusters/{world.shared_cluster}", b)
    assert {m["report_id"] for m in shared["members"]} == {world.report_b}
    assert all(e["file_id"] in (None, world.file_b) for e in shared["history"])


def test_an_agency_sees_its_own_case_and_its_members_of_a_shared_cluster(
        state: AppState, server: LiveServer, http: httpx.Client, world: World) -> None:
    api, a = f"{server.url}/api/v1", world.user_a
    case = _get(http, f"{api}/cases/{world.case_a}", a)
    assert [r["report_id"] for r in case["reports"]] == [world.report_a]
    assert {c["cluster_id"] for c in case["clusters"]} == {world.own_cluster_a,
                                                           world.shared_cluster}
    shared = _get(http, f"{api}/clusters/{world.shared_cluster}", a)
    assert {m["report_id"] for m in shared["members"]} == {world.report_a}
    assert http.get(f"{api}/cases/{world.case_b}", auth=a).status_code == 404
    # The centre's staff see both agencies' members, and every case on the worklist.
    analyst = add_user(state, "ana")
    everyone = _get(http, f"{api}/clusters/{world.shared_cluster}", analyst)
    assert {m["report_id"] for m in everyone["members"]} == {world.report_a, world.report_b}
    assert {c["case_id"] for c in _get(http, f"{api}/worklist", analyst)} >= {
        world.case_a, world.case_b}


def test_an_agency_user_without_an_active_agency_sees_nothing(
        state: AppState, server: LiveServer, http: httpx.Client, world: World) -> None:
    from routing_support import add_agency_user

    stranger = add_agency_user(state, "nobody", "XX-NONE")
    api = f"{server.url}/api/v1"
    assert http.get(f"{api}/cases/{world.case_a}", auth=stranger).status_code == 404
    assert http.get(f"{api}/clusters/{world.shared_cluster}", auth=stranger
                    ).status_code == 404
    assert http.get(f"{api}/agencies/me/queue", auth=stranger).status_code == 404
    assert http.get(f"{api}/worklist", auth=stranger).status_code == 403
    assert STAFF_PASSWORD  # the helpers' shared password
