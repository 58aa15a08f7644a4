"""The read side: `GET /api/v1/cases/{id}` and `/api/v1/clusters/{id}` for staff, and
`tipline cases show`."""

from __future__ import annotations

import httpx

from linking_support import case_of, cluster_by_name, login, run, submit
from staff_support import STAFF_PASSWORD, add_user
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg, variants

from support import LiveServer


def test_case_and_cluster_routes(server: LiveServer, state: AppState,
                                 http: httpx.Client) -> None:
    reporter = login(state)
    image = generate(61, size=(256, 192))
    a = submit(state, reporter, {"a.jpg": to_jpeg(image)}, account="left")
    b = submit(state, reporter, {"b.jpg": variants(image)["mirror"]}, account="right")
    for report_id in (a, b):
        server.wait_processed(report_id)
    run(state)
    add_user(state, "ana")
    auth = ("ana", STAFF_PASSWORD)
    case_id = case_of(state)[a]
    assert http.get(f"{server.url}/api/v1/cases/{case_id}").status_code == 401
    view = http.get(f"{server.url}/api/v1/cases/{case_id}", auth=auth).json()
    assert [r["report_id"] for r in view["reports"]] == [a, b]
    assert view["summary"]["reports"] == 2 and view["summary"]["new_clusters"] == 1
    [link] = view["reports"][1]["linked_by"]
    assert link["report_id"] == a and link["keys"][0].startswith("cluster:")
    mine = [e["kind"] for e in view["history"] if e["kind"] in ("created", "report_added")]
    assert mine == ["created", "report_added", "report_added"]
    cluster = http.get(f"{server.url}/api/v1/clusters/{cluster_by_name(state)['a.jpg']}",
                       auth=auth).json()
    assert cluster["known"] is False and cluster["files"] == 2
    assert {m["report_id"] for m in cluster["members"]} == {a, b}
    missing = http.get(f"{server.url}/api/v1/cases/999999", auth=auth)
    assert missing.status_code == 404 and "error" in missing.json()


def test_cases_show_cli(state: AppState, monkeypatch: object) -> None:
    from typer.testing import CliRunner

    from tipline.cli import app

    reporter = login(state)
    a = submit(state, reporter, {}, account="u1", email="e@example.test")
    submit(state, reporter, {}, account="u2", email="e@example.test")
    run(state)
    env = {"TIPLINE_DATABASE_URL": state.settings.resolved_database_url}
    result = CliRunner().invoke(app, ["cases", "show", str(case_of(state)[a])], env=env)
    assert result.exit_code == 0, result.output
    assert "2 reports" in result.output and "email:e@example.test" in result.output
    assert CliRunner().invoke(app, ["cases", "show", "424242"], env=env).exit_code == 1
