"""The demo's notice and takedown: a local test host serving a "gallery" on 127.0.0.1, a local
SMTP server standing in for the hosting provider's abuse desk, reports from the public naming
the gallery's pages (through the public form, as a browser sends it), their assessment by the
hotline analyst, the notices, and the removal the re-checks see once the host answers 404."""

from __future__ import annotations

import re
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.takedown import service
from tipline.takedown.models import Provider
from tipline.takedown.schemas import ProviderIn

HOST = "127.0.0.1"
PROVIDER = "Demo Hosting (loopback test host)"
ABUSE = "abuse@demo-hosting.example"
# What the demo server's takedown worker needs: re-checks every second or so instead of
# hourly, and no DNS (the stream's reported hosts are invented; the gallery is an address).
SERVER_SETTINGS: dict[str, Any] = {"takedown_recheck_minutes": 0.02,
                                   "takedown_resolve_hosts": False}


class _Gallery(BaseHTTPRequestHandler):
    server: GalleryHost

    def log_message(self, *_: Any) -> None:
        pass

    def do_GET(self) -> None:
        status = 404 if self.server.gone else 200
        self.server.hits += 1
        body = b"benign demo page" if status == 200 else b"removed"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class GalleryHost(ThreadingHTTPServer):
    """The reported pages: 200 until `gone` is set, then 404."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((HOST, 0), _Gallery)
        self.gone, self.hits = False, 0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def page(self, n: int) -> str:
        return f"http://{HOST}:{self.server_address[1]}/gallery/{n}"


class _Smtp(socketserver.StreamRequestHandler):
    server: AbuseDesk

    def handle(self) -> None:
        self.wfile.write(b"220 demo abuse desk\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                self.server.mails.append(b"".join(lines).decode(errors="replace"))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class AbuseDesk(socketserver.ThreadingTCPServer):
    """The provider's abuse mailbox: a local SMTP server keeping what it receives."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__((HOST, 0), _Smtp)
        self.mails: list[str] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


def seed_provider(session: Session) -> None:
    """The test host's provider in the registry (loopback range, e-mail notices)."""
    if session.scalar(select(Provider.id).where(Provider.name == PROVIDER)) is None:
        service.add_provider(session, ProviderIn(name=PROVIDER, ranges=["127.0.0.0/8"],
                                                 contact=ABUSE, channel="email"))


@dataclass
class TakedownResult:
    receipts: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    noticed: int = 0
    mails: int = 0
    removed: int = 0
    never_contacted: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def public_report(client: httpx.Client, urls: list[str], description: str) -> str:
    """Send a report through the public form as a browser would (CSRF token and cookie)."""
    form = client.get("/report")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "the public form has no CSRF token"
    answer = client.post("/report", data={"csrf_token": token.group(1), "urls": "\n".join(urls),
                                          "description": description})
    answer.raise_for_status()
    receipt = re.search(r'id="receipt">([^<]+)<', answer.text)
    assert receipt, "the public form gave no receipt"
    return receipt.group(1)


def run(base_url: str, gallery: GalleryHost, desk: AbuseDesk, staff: httpx.Client,
        timeout: float = 60) -> TakedownResult:
    started = time.monotonic()
    result = TakedownResult()
    with httpx.Client(base_url=base_url, timeout=30) as public:
        result.receipts = [
            public_report(public, [gallery.page(1), gallery.page(2) + "?utm_source=chat"],
                          "Seen in a group chat."),
            public_report(public, [gallery.page(2), "http://user:pw@192.168.7.7/photos"],
                          ""),
        ]
    mine = {gallery.page(1), gallery.page(2)}
    rows = _wait(lambda: _rows(staff, mine, lambda r: r["country"] is not None
                               or r["provider"] is not None), timeout)
    result.urls = sorted(r["url"] for r in rows)
    result.never_contacted = [r["url"] for r in _all(staff) if r["refusal"]]
    for row in rows:
        staff.post(f"/api/v1/takedown/urls/{row['id']}/assessment",
                   json={"assessment": "baseline"}).raise_for_status()
    noticed = _wait(lambda: _rows(staff, mine, lambda r: r["status"] == "noticed"), timeout)
    _wait(lambda: noticed if len(desk.mails) >= len(noticed) else None, timeout)
    result.noticed, result.mails = len(noticed), len(desk.mails)
    gallery.gone = True  # the provider acted on the notice
    removed = _wait(lambda: _rows(staff, mine, lambda r: r["status"] == "removed"), timeout)
    result.removed = len(removed)
    result.figures = staff.get("/api/v1/takedown/figures", params={"days": 1}).json()
    result.seconds = time.monotonic() - started
    return result


def _all(staff: httpx.Client) -> list[dict[str, Any]]:
    answer = staff.get("/api/v1/takedown/urls", params={"limit": 1000})
    answer.raise_for_status()
    found: list[dict[str, Any]] = answer.json()
    return found


def _rows(staff: httpx.Client, urls: set[str], ready: Callable[[dict[str, Any]], bool]
          ) -> list[dict[str, Any]] | None:
    rows = [r for r in _all(staff) if r["url"] in urls]
    return rows if len(rows) == len(urls) and all(ready(r) for r in rows) else None


def _wait(probe: Callable[[], list[dict[str, Any]] | None], timeout: float
          ) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the takedown demo made no progress")
        time.sleep(0.2)
    return found
