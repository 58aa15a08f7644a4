"""A test agency: a real threaded HTTP server on 127.0.0.1 that receives tipline webhooks.

It verifies the HMAC signature, applies each `Idempotency-Key` once (a repeat is answered as
received, and counted, but not applied again), and can be told to misbehave: be down (nothing
listens), slow (apply, then answer after a delay), fail with 500, answer without a valid
acknowledgement, reject the signature, or hang (a timeout).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tipline.delivery.rules import verify
from tipline.demo.agencies import answer_json


@dataclass
class Received:
    key: str
    case: str
    version: str
    previous: str | None
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class AgencyServer:
    secret: str
    port: int = 0
    mode: str = "ok"  # ok | slow | error500 | bad_ack | reject_signature | hang
    delay: float = 0.0
    attempts: list[Received] = field(default_factory=list)
    applied: dict[str, Received] = field(default_factory=dict)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    httpd: ThreadingHTTPServer | None = None
    outages: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tipline/webhook"

    def start(self) -> AgencyServer:
        agency = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = agency.handle(dict(self.headers.items()), body)
                if status == 0:
                    return  # hang: the client's read timeout fires
                answer_json(self, status, answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: nothing listens on the port (connection refused)."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
            self.outages += 1

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        lower = {k.lower(): v for k, v in headers.items()}
        if not verify(self.secret, lower.get("x-tipline-signature", ""), body, int(time.time())):
            with self.lock:
                self.bad_signatures += 1
            return 401, {"error": "invalid signature"}
        if self.mode == "reject_signature":
            return 401, {"error": "invalid signature"}
        if self.mode == "error500":
            return 500, {"error": "internal"}
        if self.mode == "hang":
            time.sleep(self.delay or 5)
            return 0, {}
        item = Received(lower["idempotency-key"], lower["x-tipline-case"],
                        lower["x-tipline-version"], lower.get("x-tipline-previous-version"),
                        json.loads(body), lower)
        with self.lock:
            self.attempts.append(item)
            duplicate = item.key in self.applied
            if not duplicate:
                self.applied[item.key] = item
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "bad_ack":
            return 200, {"ok": True}
        return 200, {"received": True, "duplicate": duplicate, "reference": f"ref-{item.key}"}

    def versions_applied(self, case_id: int) -> list[str]:
        with self.lock:
            return [r.version for r in self.applied.values() if r.case == str(case_id)]
