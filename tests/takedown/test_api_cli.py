"""The takedown API and CLI, and the read-only figures use case the transparency report
reads: time to removal per provider, country and channel."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from typer.testing import CliRunner

from linking_support import login
from routing_support import report
from staff_support import STAFF_PASSWORD, add_user
from tipline.cli import app
from tipline.errors import Conflict, Forbidden, Invalid
from tipline.state import AppState
from tipline.takedown import service, usecases
from tipline.takedown.models import TakedownUrl, UrlSighting
from tipline.takedown.schemas import HotlineIn, ProviderIn
from tipline.takedown.worker import TakedownWorker
from tipline.users.service import StaffUser, staff_user
from tipline.users.store import by_username

from support import LiveServer


def _noticed(state: AppState, url: str, provider: str | None, country: str, channel: str,
             noticed: dt.datetime, removed_after_hours: float | None) -> None:
    with state.db.transaction() as session:
        provider_id = None
        if provider:
            provider_id = service.add_provider(session, ProviderIn(name=provider,
                                                                   contact="a@b.test"))
        session.add(TakedownUrl(
            url=url, digest=url.ljust(64, "0")[:64], host="h", status="noticed", notes=[],
            addresses=[], country=country, provider_id=provider_id, notice_channel=channel,
            first_seen_at=noticed, noticed_at=noticed, down_streak=0, level=0,
            removed_at=None if removed_after_hours is None
            else noticed + dt.timedelta(hours=removed_after_hours)))


def test_removal_figures_per_provider_country_and_channel(state: AppState) -> None:
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    _noticed(state, "https://a.test/1", "Alpha", "NL", "email", start, 2)
    _noticed(state, "https://a.test/2", None, "NL", "email", start, 48)
    _noticed(state, "https://a.test/3", None, "DE", "webhook", start, 200)
    _noticed(state, "https://a.test/4", None, "DE", "webhook", start, None)  # still up
    _noticed(state, "https://a.test/5", None, "DE", "webhook", start - dt.timedelta(days=9), 1)
    found = usecases.removal_figures(state.db, start, start + dt.timedelta(days=7))
    overall = found["overall"]
    assert (overall["noticed"], overall["removed"]) == (4, 3)
    assert (overall["p50_hours"], overall["p90_hours"]) == (48, 200)
    assert (overall["within_24h"], overall["within_72h"], overall["within_168h"]) == \
        (0.25, 0.5, 0.5)
    by_country = {g["key"]: g for g in found["by_country"]}
    assert by_country["NL"]["within_72h"] == 1.0 and by_country["DE"]["removed"] == 1
    assert {g["key"] for g in found["by_provider"]} == {"Alpha", "unknown"}
    assert {g["key"]: g["noticed"] for g in found["by_channel"]} == {"email": 2, "webhook": 2}
    with pytest.raises(Invalid, match="until must be after since"):
        usecases.removal_figures(state.db, start, start)


def test_api(server: LiveServer, state: AppState, http: httpx.Client) -> None:
    login(state, "platform-a")
    report(state, "platform-a", urls=["http://host.test/x"])
    worker: TakedownWorker = state.takedown
    worker.run_until_idle()
    add_user(state, "ana", role="hotline_analyst")
    add_user(state, "boss", role="supervisor")
    add_user(state, "agent", role="agency")
    url = f"{server.url}/api/v1/takedown"
    ana, boss = ("ana", STAFF_PASSWORD), ("boss", STAFF_PASSWORD)
    (row,) = http.get(f"{url}/urls", auth=ana).json()
    assert row["url"] == "http://host.test/x" and row["status"] == "new"
    assert http.get(f"{url}/urls", auth=("agent", STAFF_PASSWORD)).status_code == 403
    assert http.get(f"{url}/urls?status=bogus", auth=ana).status_code == 400
    assert http.get(f"{url}/urls/999999", auth=ana).status_code == 404
    bad = http.post(f"{url}/urls/{row['id']}/assessment", auth=ana, json={"assessment": "x"})
    assert bad.status_code == 400
    done = http.post(f"{url}/urls/{row['id']}/assessment", auth=ana,
                     json={"assessment": "baseline"})
    assert done.status_code == 200 and done.json()["status"] == "illegal"
    assert [h["kind"] for h in done.json()["history"]][-1] == "assessed"
    assert done.json()["verdict_table"]["jurisdiction"] == "United States (US)"
    provider = {"name": "P", "contact": "abuse@p.test", "ranges": ["nonsense"]}
    assert http.post(f"{url}/providers", auth=ana, json=provider).status_code == 403
    assert http.post(f"{url}/providers", auth=boss, json=provider).status_code == 400
    provider["ranges"] = ["192.0.2.0/24"]
    assert http.post(f"{url}/providers", auth=boss, json=provider).status_code == 201
    assert http.post(f"{url}/providers", auth=boss, json=provider).status_code == 409
    hotline = {"country": "DE", "name": "eco", "contact": "hotline@eco.test"}
    assert http.post(f"{url}/hotlines", auth=boss, json=hotline).status_code == 201
    assert [h["country"] for h in http.get(f"{url}/hotlines", auth=ana).json()] == ["DE"]
    figures = http.get(f"{url}/figures?days=30", auth=ana)
    assert figures.status_code == 200 and figures.json()["overall"]["noticed"] == 0
    assert http.get(f"{url}/figures?days=0", auth=ana).status_code == 400


def test_cli(state: AppState, cli_env: None) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["takedown", "provider", "Loop", "--contact", "abuse@l.test",
                                "--ranges", "127.0.0.0/8", "--domains", "host.test"])
    assert added.exit_code == 0, added.output
    refused = runner.invoke(app, ["takedown", "provider", "Bad", "--contact", "x@y.test",
                                  "--ranges", "nope"])
    assert refused.exit_code != 0
    assert runner.invoke(app, ["takedown", "hotline", "nl", "Meldpunt", "--contact",
                               "m@h.test"]).exit_code == 0
    login(state, "platform-a")
    report(state, "platform-a", urls=["http://host.test/x"])
    ran = runner.invoke(app, ["takedown", "run"])
    assert ran.exit_code == 0 and "rounds of takedown work" in ran.output
    with state.db.sessions() as session:
        row = session.query(TakedownUrl).one()
        assert row.provider_id is not None  # placed by the run (loopback in tests)
    shown = runner.invoke(app, ["takedown", "figures", "--json"])
    assert shown.exit_code == 0 and '"noticed": 0' in shown.output
    assert runner.invoke(app, ["takedown", "figures"]).exit_code == 0


def test_registry_contacts_are_checked(state: AppState) -> None:
    add_user(state, "boss", role="supervisor")
    boss = _staff(state, "boss")
    for channel, contact in (("email", "not-an-address"), ("webhook", "ftp://hooks.test/x"),
                             ("webhook", "abuse@p.test")):
        with pytest.raises(Invalid):
            usecases.add_provider(state.db, boss, ProviderIn(name="P", channel=channel,
                                                             contact=contact))
    with pytest.raises(Invalid):
        usecases.add_hotline(state.db, boss, HotlineIn(country="DE", name="eco",
                                                       contact="eco"))


def test_only_supervisors_release_a_police_hold(state: AppState, host: object) -> None:
    state.settings.takedown_police_first = True
    login(state, "platform-a")
    report(state, "platform-a", urls=["http://host.test/x"])
    state.takedown.run_until_idle()
    add_user(state, "ana", role="hotline_analyst")
    add_user(state, "boss", role="supervisor")
    ana, boss = _staff(state, "ana"), _staff(state, "boss")
    with state.db.sessions() as session:
        url_id = int(session.query(TakedownUrl.id).scalar())
    assert usecases.assess(state.db, ana, url_id, "baseline", state.settings).status == "held"
    with pytest.raises(Forbidden):
        usecases.release_hold(state.db, ana, url_id, "NL-POL")
    usecases.release_hold(state.db, boss, url_id, "NL-POL")
    detail = usecases.url_detail(state.db, ana, url_id)
    assert detail.status == "illegal" and detail.history[-1].kind == "hold_released"
    with pytest.raises(Conflict):
        usecases.release_hold(state.db, boss, url_id, "NL-POL")


def test_thousands_of_urls_in_one_report_are_taken_in(state: AppState,
                                                      worker: TakedownWorker) -> None:
    login(state, "platform-a")
    report(state, "platform-a", urls=[f"https://bulk.test/{i % 2500}" for i in range(3000)])
    rounds = worker.run_until_idle()
    assert rounds >= 6  # in batches: no one transaction holds them all
    with state.db.sessions() as session:
        assert session.query(TakedownUrl).count() == 2500
        assert session.query(UrlSighting).count() == 3000


def _staff(state: AppState, username: str) -> StaffUser:
    with state.db.sessions() as session:
        user = by_username(session, username)
        assert user is not None
        return staff_user(user)
