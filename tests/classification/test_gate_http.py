"""The legal gate and evidence viewing, over HTTP on loopback."""

from __future__ import annotations

import io

import httpx
from PIL import Image
from sqlalchemy import select

from staff_support import add_report, add_user
from tipline.audit.models import AuditEvent
from tipline.state import AppState

from factories import png_bytes
from support import LiveServer, add_reporter


def audit_actions(state: AppState) -> list[str]:
    with state.db.sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_unviewed_file_is_locked_for_us_staff_until_authority_is_recorded(
        state: AppState, server: LiveServer, http: httpx.Client) -> None:
    add_reporter(state, "platform-a")
    content = png_bytes(7, size=96)
    _, [file_id] = add_report(state, "platform-a",
                              files=[{"content": content, "viewed_by_reporter": False}])
    analyst = add_user(state, "ana", jurisdiction="US")
    swede = add_user(state, "sven", jurisdiction="SE")
    boss = add_user(state, "sue", role="supervisor", jurisdiction="US")
    url = f"{server.url}/api/v1/files/{file_id}"

    locked = http.get(f"{url}/content", auth=analyst)
    assert locked.status_code == 403
    assert "legal authority" in locked.json()["error"]["message"]
    assert http.get(f"{url}/access", auth=analyst).json()["allowed"] is False
    # Hash-based facts stay usable while the content is locked.
    assert http.get(f"{url}/classification", auth=analyst).status_code == 200
    # Sweden's row does not say whether authority is required: the gate fails closed...
    access = http.get(f"{url}/access", auth=swede).json()
    assert access["allowed"] is False and "no recorded rule" in access["reason"]
    # ... until an administrator records Sweden's rule, with its source.
    admin = add_user(state, "ada", role="admin", jurisdiction="SE")
    rule = {"unviewed_requires_authority": "no", "source": "Brottsbalken 16 kap. 10 a §"}
    assert http.post(f"{server.url}/api/v1/admin/jurisdictions/SE", json=rule,
                     auth=boss).status_code == 403
    assert http.post(f"{server.url}/api/v1/admin/jurisdictions/SE", json={**rule, "source": ""},
                     auth=admin).status_code == 400
    recorded_rule = http.post(f"{server.url}/api/v1/admin/jurisdictions/se", json=rule,
                              auth=admin)
    assert recorded_rule.status_code == 200 and recorded_rule.json()["recorded"] is True
    access = http.get(f"{url}/access", auth=swede).json()
    assert access["allowed"] is True and "Brottsbalken" in access["reason"]

    assert http.post(f"{url}/authority", json={"reference": "W-2026-0042"},
                     auth=analyst).status_code == 403  # analysts may not authorise
    recorded = http.post(f"{url}/authority", json={"reference": "W-2026-0042"}, auth=boss)
    assert recorded.status_code == 201 and recorded.json()["jurisdiction"] == "US"

    safe = http.get(f"{url}/content", auth=analyst)
    assert safe.status_code == 200 and safe.headers["content-type"] == "image/png"
    assert safe.headers["cache-control"] == "no-store"
    rendition = Image.open(io.BytesIO(safe.content))
    assert rendition.mode == "L" and safe.content != content

    original = http.get(f"{url}/content", params={"view": "original"}, auth=analyst)
    assert original.status_code == 200 and original.content == content

    actions = audit_actions(state)
    assert actions.count("file.open_denied") == 1
    assert actions.count("jurisdiction.rule") == 1
    assert actions.count("legal_authority.record") == 1
    assert actions.count("evidence.read") == 2


def test_viewed_files_open_and_unknown_files_are_404(
        state: AppState, server: LiveServer, http: httpx.Client) -> None:
    add_reporter(state, "platform-a")
    _, [file_id] = add_report(state, "platform-a",
                              files=[{"content": png_bytes(3), "viewed_by_reporter": True}])
    analyst = add_user(state, "ana")
    assert http.get(f"{server.url}/api/v1/files/{file_id}/content",
                    auth=analyst).status_code == 200
    missing = http.get(f"{server.url}/api/v1/files/{'0' * 32}/content", auth=analyst)
    assert missing.status_code == 404


def test_a_review_is_a_fact_and_changes_the_derived_verdict(
        state: AppState, server: LiveServer, http: httpx.Client) -> None:
    add_reporter(state, "platform-a")
    _, [file_id] = add_report(state, "platform-a", files=[{
        "content": png_bytes(5), "viewed_by_reporter": True, "industry_classification": "A1"}])
    from tipline.classification.stages import record_facts

    with state.db.transaction() as session:
        from tipline.reports.models import ReportFile

        report_id = session.get(ReportFile, file_id).report_id  # type: ignore[union-attr]
        record_facts(session, report_id, None)
        record_facts(session, report_id, None)  # idempotent: recorded once
    analyst = add_user(state, "ana")
    url = f"{server.url}/api/v1/files/{file_id}"
    before = http.get(f"{url}/classification", params={"jurisdiction": ["US", "CA"]},
                      auth=analyst).json()
    assert len(before["facts"]) == 1 and before["baseline"] == "unknown"
    assert {v["jurisdiction"]: v["status"] for v in before["verdicts"]} == {
        "CA": "illegal", "US": "unknown"}
    reviewed = http.post(f"{url}/facts", json={"nature": "real"}, auth=analyst)
    assert reviewed.status_code == 201
    after = http.get(f"{url}/classification", auth=analyst).json()
    assert after["baseline"] == "baseline"
    assert {v["status"] for v in after["verdicts"] if v["jurisdiction"] in ("US", "GB")} == {
        "illegal"}
    bad = http.post(f"{url}/facts", json={"age_band": "toddler"}, auth=analyst)
    assert bad.status_code == 400
