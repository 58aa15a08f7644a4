"""`tipline demo` end to end: a real server subprocess, both APIs, the pipeline, the summary."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from rich.console import Console

from tipline.demo.display import Summary
from tipline.demo.runner import run_demo
from tipline.demo.server import port_is_free

from support import free_port, make_settings


@pytest.mark.slow
@pytest.mark.timeout(300)  # a ceiling on a loaded machine, never a budget
def test_demo_sends_both_apis_and_everything_accepted_is_processed(tmp_path: Path) -> None:
    data = tmp_path / "var"
    settings = make_settings("", data, environment="development", worker_poll_seconds=0.1)
    out = io.StringIO()
    port = free_port()
    try:
        summary = run_demo(settings, reports=12, port=port, keep_running=False,
                           console=Console(file=out, width=200))
    finally:
        print(out.getvalue())  # shown by pytest if the test fails
    text = out.getvalue()
    assert summary.submitted == 12
    assert summary.accepted == 8 and summary.unexpected == []
    # The malformed ones: truncated XML, unknown JSON field, wrong password, late upload.
    assert dict(summary.rejected) == {4110: 1, 4100: 1, 2000: 1, 5102: 1}
    assert summary.processed == summary.accepted and summary.failed == 0
    assert summary.stages["intake"] == summary.accepted
    assert 0 < summary.mean_quality < 100
    assert "retry returned the same report" in text
    # The server is stopped at the end: its address is not advertised, the logins are (for
    # `tipline serve` on the same data folder).
    assert f"http://127.0.0.1:{port}/docs" not in text and "demo-chatterbox-pw" in text
    assert "has stopped" in text
    assert_cases_and_deliveries(summary)
    # Public reports of pages on a local test host: noticed, then removed once it answers 404.
    takedown = summary.takedown
    assert takedown is not None and len(takedown.receipts) == 2 and len(takedown.urls) == 2
    assert takedown.noticed == 2 and takedown.mails >= 2 and takedown.removed == 2
    assert "http://192.168.7.7/photos" in takedown.never_contacted
    assert takedown.figures["overall"]["removed"] == 2, takedown.figures
    assert "demo-supervisor-pw" in text and "is down" in text
    assert port_is_free(port)  # the server was stopped
    assert (data / "tipline.db").exists()


def assert_cases_and_deliveries(summary: Summary) -> None:
    # Reports fold into fewer cases, each with a priority a reader can explain.
    assert 0 < len(summary.cases) < summary.accepted
    assert sum(c.reports for c in summary.cases) == summary.processed
    for case in summary.cases:
        assert case.level and case.reasons, case
    # Seeded known images matched (edited copies too); the rest stays new material.
    assert any(m.bank == "known" and m.matched for m in summary.matches)
    assert any(c.known for c in summary.cases) and any(c.new for c in summary.cases)
    # Every case reached a desk, or the inbox of the agency that works there; the outage
    # delayed but lost and duplicated nothing.
    assert {r.case_id for r in summary.routes} == {c.case_id for c in summary.cases}
    for route in summary.routes:
        if route.inbox:  # waits for the agency's people to acknowledge it in the inbox
            assert route.status in ("pending", "delivered") and not route.arrived, route
        else:
            assert route.status == "acknowledged" and route.arrived and route.version_ok, route
    assert any(route.inbox for route in summary.routes)  # the NL cases
    d = summary.deliveries
    assert d is not None and d.acknowledged > 0 and d.waiting == 0 and d.dead == 0
    assert d.in_inbox == sum(1 for route in summary.routes if route.inbox)
    assert d.applied == d.acknowledged  # acknowledged once each, applied once each
    assert d.repeats == 0 and d.bad_signatures == 0
    assert d.failed_attempts > 0  # the outage desk refused at first
    # The desks' outcomes flowed back to the reporters' scorecards (held ones not yet).
    fb = summary.feedback
    # Every desk posts an outcome for each case it received (inbox agencies work by hand).
    desk_routes = [route for route in summary.routes if not route.inbox]
    assert fb is not None and fb.posted == len(desk_routes) and fb.held >= 1
    assert sum(c["decided"] for c in fb.scorecards) > 0


def test_busy_port_moves_to_the_next_free_one(tmp_path: Path) -> None:
    from tipline.demo.server import free_port_from

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        assert not port_is_free(port)
        assert free_port_from(port) not in (None, port)


def test_refuses_to_run_in_production(tmp_path: Path) -> None:
    settings = make_settings("", tmp_path / "var", environment="production")
    out = io.StringIO()
    with pytest.raises(SystemExit):
        run_demo(settings, reports=3, port=free_port(), keep_running=False,
                 console=Console(file=out))
    assert "public passwords" in out.getvalue()
    assert not (tmp_path / "var" / "tipline.db").exists()
