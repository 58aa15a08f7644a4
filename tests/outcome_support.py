"""Agencies, cases and routes written straight to the database (these tests are about
outcomes, not routing), an agency user, and a reporter's webhook receiver: a real threaded
HTTP server on 127.0.0.1 that verifies each notice's signature."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from staff_support import STAFF_PASSWORD, add_report
from tipline.agencies.models import Agency
from tipline.audit.service import Actor
from tipline.cases.models import Case, CaseReport
from tipline.db import utcnow
from tipline.delivery.rules import verify
from tipline.routing.models import Route
from tipline.state import AppState
from tipline.users.schemas import UserCreate
from tipline.users.service import create_user

AGENCY_SECRET = "test-agency-signing-secret"
REPORTER_SECRET = "reporter-webhook-secret-0123456789"


def add_agency(state: AppState, code: str) -> int:
    with state.db.transaction() as session:
        agency = Agency(code=code, name=f"Agency {code}", countries=["DE"], channel="direct",
                        delivery_method="pull", signing_secret=AGENCY_SECRET)
        session.add(agency)
        session.flush()
        return agency.id


def add_case(state: AppState, reporter: str, reports: int = 1,
             agency_id: int | None = None, files: int = 0) -> tuple[int, list[int]]:
    """A case of `reports` finished reports of `reporter` (each with `files` benign files),
    routed to `agency_id` if given."""
    report_ids = [add_report(state, reporter, finished_at=utcnow(), files=[
        {"content": f"benign test bytes {uuid.uuid4().hex}".encode()} for _ in range(files)])[0]
        for _ in range(reports)]
    with state.db.transaction() as session:
        case = Case(status="open", summary={})
        session.add(case)
        session.flush()
        for report_id in report_ids:
            session.add(CaseReport(report_id=report_id, case_id=case.id, linked_by=[]))
        if agency_id is not None:
            session.add(Route(case_id=case.id, agency_id=agency_id, reasons=["ip in DE"],
                              channel_chain=["direct"],
                              deadline=utcnow() + dt.timedelta(days=7)))
        return case.id, report_ids


def agency_user(state: AppState, username: str, code: str) -> tuple[str, str]:
    with state.db.transaction() as session:
        create_user(session, UserCreate(username=username, role="agency", organisation=code,
                                        jurisdiction="DE", password=STAFF_PASSWORD),
                    Actor("test"))
    return username, STAFF_PASSWORD


@dataclass
class ReporterHook:
    """A reporter organisation's webhook receiver."""

    secret: str = REPORTER_SECRET
    notices: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    httpd: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/outcomes"

    def start(self) -> ReporterHook:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = verify(hook.secret, self.headers.get("X-Tipline-Signature", ""), body,
                            int(time.time()))
                with hook.lock:
                    if ok:
                        hook.notices.append(json.loads(body))
                    else:
                        hook.bad_signatures += 1
                answer = json.dumps({"received": ok}).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
