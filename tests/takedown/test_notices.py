"""From assessment to removal: the right notice to the right party (e-mail through a local
SMTP server, signed webhooks), re-checks by status, a re-notice every 24 hours, the
escalation ladder, the police hold, and retries while the mail server is down."""

from __future__ import annotations

import dataclasses
import email
import json

import pytest
from sqlalchemy import select

from linking_support import login
from routing_support import report
from takedown_support import Clock, closed_port
from tipline.delivery.rules import SIGNATURE_HEADER, verify
from tipline.errors import Conflict, Invalid
from tipline.state import AppState
from tipline.takedown import service, store
from tipline.takedown.models import Hotline, Notice, TakedownUrl
from tipline.takedown.schemas import ProviderIn
from tipline.takedown.worker import TakedownWorker


def _url(state: AppState, worker: TakedownWorker, url: str, provider: bool = True,
         upstream: bool = False) -> int:
    login(state, "platform-a")
    report(state, "platform-a", urls=[url])
    with state.db.transaction() as session:
        if upstream:
            service.add_provider(session, ProviderIn(name="Transit", contact="noc@transit.test"))
        if provider:
            service.add_provider(session, ProviderIn(
                name="Loop Hosting", domains=["host.test"], contact="abuse@loop.test",
                upstream="Transit" if upstream else None))
    worker.run_until_idle()
    with state.db.sessions() as session:
        return int(session.scalar(select(TakedownUrl.id)))


def _assess(state: AppState, worker: TakedownWorker, url_id: int, verdict: str = "baseline"
            ) -> None:
    with state.db.transaction() as session:
        service.assess(session, service.url(session, url_id), verdict, "hotline-user", "NL",
                       worker.policy, worker.clock())


def _row(state: AppState, url_id: int) -> TakedownUrl:
    with state.db.sessions() as session:
        row = service.url(session, url_id)
        session.expunge(row)
        return row


def _kinds(state: AppState, url_id: int) -> list[str]:
    with state.db.sessions() as session:
        return [e.kind for e in store.events(session, url_id)]


def test_noticed_then_removed_after_two_gone_checks(
        state: AppState, worker: TakedownWorker, clock: Clock, host: object,
        smtp: object) -> None:
    port = host.server_address[1]  # type: ignore[attr-defined]
    url_id = _url(state, worker, f"http://host.test:{port}/x")
    assert _row(state, url_id).status == "new" and _row(state, url_id).country == "NL"
    _assess(state, worker, url_id)
    worker.run_until_idle()
    messages = smtp.messages  # type: ignore[attr-defined]
    assert len(messages) == 1
    mail = email.message_from_bytes(messages[0])
    assert mail["To"] == "abuse@loop.test"
    text = mail.get_payload()
    for needed in (f"http://host.test:{port}/x", "Legal basis:", "good faith", "Sender:"):
        assert needed in text
    assert _row(state, url_id).status == "noticed"
    clock.advance(hours=1)
    worker.run_until_idle()
    assert _row(state, url_id).status == "noticed"  # 200: still up
    host.modes["/x"] = "gone"  # type: ignore[attr-defined]
    clock.advance(hours=1)
    worker.run_until_idle()
    assert _row(state, url_id).down_streak == 1 and _row(state, url_id).status == "noticed"
    clock.advance(hours=1)
    worker.run_until_idle()
    row = _row(state, url_id)
    assert row.status == "removed" and row.removed_at == clock.now
    assert _kinds(state, url_id)[-1] == "removed"
    clock.advance(hours=30)
    worker.run_until_idle()
    assert len(messages) == 1  # nothing more after removal


def test_renotice_every_day_then_up_the_ladder(
        state: AppState, worker: TakedownWorker, clock: Clock, host: object,
        smtp: object) -> None:
    port = host.server_address[1]  # type: ignore[attr-defined]
    url_id = _url(state, worker, f"http://host.test:{port}/x", upstream=True)
    with state.db.transaction() as session:
        session.add(Hotline(country="NL", name="Meldpunt", channel="email",
                            contact="meld@hotline.test"))
    _assess(state, worker, url_id)
    for _ in range(8):  # eight days, the URL up throughout
        worker.run_until_idle()
        clock.advance(hours=24)
    worker.run_until_idle()
    with state.db.sessions() as session:
        sent = [(n.party, n.level) for n in store.notices(session, url_id)]
    assert sent[0] == ("provider", 0)  # hosted in the centre's own country (NL)
    assert ("upstream", 1) in sent and sent.index(("upstream", 1)) == 3  # at 72 h
    assert sent[-1] == ("hotline", 2)  # after 168 h
    assert len(sent) == 9  # one a day
    assert "escalated" in _kinds(state, url_id)
    assert len(smtp.messages) == 9  # type: ignore[attr-defined]


def test_abroad_the_hotline_of_the_host_country_gets_it_by_signed_webhook(
        state: AppState, worker: TakedownWorker, clock: Clock, host: object) -> None:
    port = host.server_address[1]  # type: ignore[attr-defined]
    worker.policy = dataclasses.replace(worker.policy, centre_country="SE")
    url_id = _url(state, worker, f"http://host.test:{port}/x")
    with state.db.transaction() as session:
        session.add(Hotline(country="NL", name="Meldpunt", channel="webhook",
                            contact=f"http://127.0.0.1:{port}/hook"))
    _assess(state, worker, url_id, "national")
    worker.run_until_idle()
    (path, headers, body), = host.posts  # type: ignore[attr-defined]
    assert path == "/hook" and json.loads(body)["url"] == f"http://host.test:{port}/x"
    secret = f"{state.settings.secret_key}:takedown-webhook"
    assert verify(secret, headers[SIGNATURE_HEADER], body, int(clock.now.timestamp()),
                  tolerance=10**9)
    assert _row(state, url_id).notice_channel == "webhook"


def test_police_first_holds_until_an_agency_agrees(
        state: AppState, worker: TakedownWorker, clock: Clock, host: object,
        smtp: object) -> None:
    worker.policy = dataclasses.replace(worker.policy, police_first=True)
    url_id = _url(state, worker, f"http://host.test:{host.server_address[1]}/x")  # type: ignore[attr-defined]
    _assess(state, worker, url_id)
    worker.run_until_idle()
    assert _row(state, url_id).status == "held" and smtp.messages == []  # type: ignore[attr-defined]
    with state.db.transaction() as session:
        service.release_hold(session, service.url(session, url_id), "supervisor", "NL-POL",
                             clock.now)
    worker.run_until_idle()
    assert _row(state, url_id).status == "noticed" and len(smtp.messages) == 1  # type: ignore[attr-defined]


def test_a_mail_server_that_is_down_loses_nothing(
        state: AppState, worker: TakedownWorker, clock: Clock, host: object,
        smtp: object) -> None:
    live_port = worker.sender.smtp_port
    worker.sender.smtp_port = closed_port()
    url_id = _url(state, worker, f"http://host.test:{host.server_address[1]}/x")  # type: ignore[attr-defined]
    _assess(state, worker, url_id)
    worker.run_until_idle()
    with state.db.sessions() as session:
        notice = session.scalar(select(Notice))
        assert notice is not None and notice.status == "queued" and notice.attempts == 1
        assert notice.last_error and "SMTP" in notice.last_error
    assert "notice_failed" in _kinds(state, url_id)
    worker.sender.smtp_port = live_port
    clock.advance(minutes=2)  # past the first backoff
    worker.run_until_idle()
    assert len(smtp.messages) == 1  # type: ignore[attr-defined]
    with state.db.sessions() as session:
        assert session.scalar(select(Notice.status)) == "sent"


def test_assessment_rules(state: AppState, worker: TakedownWorker, host: object) -> None:
    url_id = _url(state, worker, f"http://host.test:{host.server_address[1]}/x")  # type: ignore[attr-defined]
    with pytest.raises(Invalid):
        _assess(state, worker, url_id, "maybe")
    _assess(state, worker, url_id, "not_illegal")
    worker.run_until_idle()
    assert _row(state, url_id).status == "not_illegal"
    _assess(state, worker, url_id, "baseline")  # re-assessed before any notice: allowed
    worker.run_until_idle()
    with pytest.raises(Conflict):
        _assess(state, worker, url_id, "not_illegal")


def test_no_recipient_is_recorded(state: AppState, worker: TakedownWorker, host: object
                                  ) -> None:
    url_id = _url(state, worker, f"http://host.test:{host.server_address[1]}/x",  # type: ignore[attr-defined]
                  provider=False)
    _assess(state, worker, url_id)
    worker.run_until_idle()
    assert "no_recipient" in _kinds(state, url_id) and _row(state, url_id).status == "illegal"
