"""Helpers of the takedown tests: loopback test hosts whose answers the test changes (200,
404, 410, hanging, redirect loops, resets, huge bodies, redirects into private space), a tiny
local SMTP server, a clock the test moves, and the worker built with a fake resolver."""

from __future__ import annotations

import datetime as dt
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from routing_support import FakeResolver
from tipline.db import Database
from tipline.routing.geo import TableLookup
from tipline.settings import Settings
from tipline.takedown.worker import TakedownWorker, build_worker

COUNTRY_OF = {"127.0.0.1": "NL"}
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class _Handler(BaseHTTPRequestHandler):
    server: _HostServer

    def log_message(self, *_: Any) -> None:
        pass

    def do_POST(self) -> None:  # webhooks
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.posts.append((self.path, dict(self.headers), body))
        self._answer(200, b"{}")

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        mode = self.server.modes.get(self.path, "ok")
        if mode == "hang":
            self.server.release.wait(60)
        elif mode == "reset":  # an abortive close: the client sees a reset connection
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        elif mode == "loop":
            self._redirect(self.path)
        elif mode.startswith("to:"):
            self._redirect(mode[3:])
        elif mode == "big":
            self._big()
        elif mode == "drip":  # the status line, then headers a byte at a time, never ending
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while not self.server.release.wait(0.3):
                self.wfile.write(b"X")
                self.wfile.flush()
        else:
            self._answer({"ok": 200, "gone": 404, "gone410": 410, "error": 500}[mode], b"x")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _big(self) -> None:
        """A body far larger than anything a check may read (it is never read)."""
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 40))
        self.end_headers()
        try:
            for _ in range(64):
                self.wfile.write(b"\0" * 65536)
        except OSError:
            pass


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    modes: dict[str, str]
    hits: list[str]
    posts: list[tuple[str, dict[str, str], bytes]]
    release: threading.Event


@contextmanager
def loopback_host() -> Iterator[_HostServer]:
    server = _HostServer(("127.0.0.1", 0), _Handler)
    server.modes, server.hits, server.posts = {}, [], []
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpServer

    def handle(self) -> None:
        self.wfile.write(b"220 sink ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                self.server.messages.append(self._data())
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")

    def _data(self) -> bytes:
        lines: list[bytes] = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line)
        return b"".join(lines)


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    messages: list[bytes]


@contextmanager
def smtp_sink() -> Iterator[_SmtpServer]:
    """A local SMTP server that accepts every message into `messages`."""
    server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_worker(db: Database, settings: Settings, clock: Clock,
                hosts: dict[str, list[str]] | None = None) -> TakedownWorker:
    resolver = FakeResolver(hosts if hosts is not None else {"host.test": ["127.0.0.1"]})
    return build_worker(db, settings, resolver, TableLookup(COUNTRY_OF), clock)


def wait_for(predicate: Any, ceiling: float = 60.0) -> None:
    end = time.monotonic() + ceiling
    while not predicate():
        assert time.monotonic() < end, "no progress within the ceiling"
        time.sleep(0.05)
