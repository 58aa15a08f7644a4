"""The demo's police desks: invented agencies, and the local HTTP servers ("test desks") that
receive their webhook packages on 127.0.0.1.

A test desk does what a real receiver must: it checks the HMAC signature of every package
with the addressed agency's secret, recomputes the package's version from its content, and
applies each `Idempotency-Key` once (a repeat is acknowledged again but counted, never applied
twice). It can be taken down (nothing listens on its port) to show an outage.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from tipline.delivery.packages import public_key_b64
from tipline.delivery.rules import SIGNATURE_HEADER, case_version, verify

HOST = "127.0.0.1"


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    countries: tuple[str, ...]
    channel: str  # direct | europol | interpol | hotline
    via: str | None  # the intermediary of a non-direct channel
    desk: str | None  # the test desk receiving its packages; None: it works in tipline's inbox


# Three test desks. Agencies reached through an intermediary have their inbox at that
# intermediary's desk: the package physically travels by the channel the registry names.
EU_DESK, DE_DESK, GLOBAL_DESK = "EU relay", "DE federal desk", "Global relay"
DESKS = (EU_DESK, DE_DESK, GLOBAL_DESK)
OUTAGE_DESK = DE_DESK  # down for the first part of the run
FALLBACK = "DEMO-GLOBAL"  # receives countries no demo agency serves (the demo's US reports)

AGENCIES = (
    DemoAgency("DEMO-EUROPOL", "EU relay (demo)", (), "direct", None, EU_DESK),
    DemoAgency("DEMO-GLOBAL", "Global relay (demo)", (), "direct", None, GLOBAL_DESK),
    DemoAgency("DEMO-DE", "German federal desk, direct connection (demo)", ("DE",), "direct",
               None, DE_DESK),
    DemoAgency("DEMO-SE", "Swedish national desk, via the EU relay (demo)", ("SE",), "europol",
               "DEMO-EUROPOL", EU_DESK),
    # No desk of its own: its people work its cases in tipline's agency inbox (pull), where
    # the demo's agency login acknowledges them and downloads the packages.
    DemoAgency("DEMO-NL", "Dutch national desk, works in the agency inbox (demo)", ("NL",),
               "direct", None, None),
    DemoAgency("DEMO-GB", "UK national desk, via the global relay (demo)", ("GB",), "interpol",
               "DEMO-GLOBAL", GLOBAL_DESK),
)

# The stream's addresses are documentation ranges (RFC 5737, RFC 3849), which no registry
# places in any country. The demo server places them with this table, exactly as the routing
# tests do (`geo.TableLookup`); every other address goes to the real offline lookup.
IP_COUNTRIES = {
    "198.51.100.23": "DE",
    "2001:db8:5::17": "DE",
    "203.0.113.77": "GB",
    "203.0.113.40": "SE",
    "192.0.2.10": "NL",
}


@dataclass(frozen=True)
class Received:
    agency: str
    key: str
    case_id: int
    version: str
    deadline: str | None
    chain: tuple[str, ...]
    version_ok: bool  # the version header equals the SHA-256 of the content received


@dataclass
class AgencyDesk:
    """One receiving server; `signing` holds the signing secret of each agency it receives for."""

    name: str
    signing: dict[str, str]
    port: int = 0
    applied: dict[str, Received] = field(default_factory=dict)  # idempotency key -> package
    repeats: Counter[str] = field(default_factory=Counter)  # key -> times received again
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    httpd: ThreadingHTTPServer | None = None

    def url(self, code: str) -> str:
        return f"http://{HOST}:{self.port}/inbox/{code}"

    @property
    def up(self) -> bool:
        return self.httpd is not None

    def start(self) -> None:
        self.httpd = ThreadingHTTPServer((HOST, self.port), _handler(self))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]  # the same port again after an outage
        threading.Thread(target=self.httpd.serve_forever, name=f"desk-{self.name}",
                         daemon=True).start()

    def stop(self) -> None:
        """An outage: nothing listens, so tipline's requests are refused."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def receive(self, path: str, headers: dict[str, str], body: bytes
                ) -> tuple[int, dict[str, Any]]:
        code = path.rstrip("/").rsplit("/", 1)[-1]
        secret = self.signing.get(code)
        if secret is None:
            return 404, {"error": f"no inbox {code}"}
        if not verify(secret, headers.get(SIGNATURE_HEADER.lower(), ""), body, int(time.time())):
            with self.lock:
                self.bad_signatures += 1
            return 401, {"error": "invalid signature"}
        package = json.loads(body)
        version = headers.get("x-tipline-version", "")
        item = Received(code, headers.get("idempotency-key", ""), int(package["case_id"]),
                        version, package.get("deadline"), tuple(package.get("channel_chain", [])),
                        version == package.get("version") == case_version(package["content"]))
        with self.lock:
            duplicate = item.key in self.applied
            if duplicate:  # acknowledged again, never applied twice
                self.repeats[item.key] += 1
            else:
                self.applied[item.key] = item
        return 200, {"received": True, "duplicate": duplicate, "reference": f"{code}-{item.key}"}


def _handler(desk: AgencyDesk) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:  # the demo prints its own summary
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = desk.receive(self.path, headers, body)
            answer_json(self, status, answer)

    return Handler


def answer_json(handler: BaseHTTPRequestHandler, status: int, answer: dict[str, Any]) -> None:
    """Send a local agency desk's JSON answer to a webhook (the demo's desks and the tests'
    agencies answer alike)."""
    data = json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def start_desks() -> dict[str, AgencyDesk]:
    """Every desk listening on a free port, each agency with a fresh secret, except the outage
    desk, which got its port and then went down."""
    desks = {name: AgencyDesk(name, {a.code: secrets.token_urlsafe(24) for a in AGENCIES
                                   if a.desk == name}) for name in DESKS}
    for desk in desks.values():
        desk.start()
    desks[OUTAGE_DESK].stop()
    return desks


def stop_desks(desks: dict[str, AgencyDesk]) -> None:
    for desk in desks.values():
        desk.stop()


INBOX_AGENCIES = frozenset(a.code for a in AGENCIES if a.desk is None)


def inbox_public_key(data_dir: Path) -> str:
    """The X25519 public key the inbox agencies' evidence bundles are sealed to; its private
    key is kept in the data folder (created on the first run), so a bundle downloaded from the
    inbox can be opened on this machine."""
    path = data_dir / "demo-agency-inbox.x25519"
    if path.exists():
        key = X25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text()))
    else:
        key = X25519PrivateKey.generate()
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.b64encode(raw).decode())
        path.chmod(0o600)
    return public_key_b64(key)


def agency_data(agency: DemoAgency, desk: AgencyDesk | None, inbox_key: str
                ) -> dict[str, Any]:
    """The registry entry of a demo agency, as `agencies.service.save_agency` takes it."""
    if desk is None:
        return {"code": agency.code, "name": agency.name, "countries": list(agency.countries),
                "channel": agency.channel, "via_code": agency.via or "",
                "delivery_method": "pull", "public_key": inbox_key,
                "contact": f"duty-desk@{agency.code.lower()}.example.test"}
    return {"code": agency.code, "name": agency.name, "countries": list(agency.countries),
            "channel": agency.channel, "via_code": agency.via or "",
            "delivery_method": "webhook", "endpoint_url": desk.url(agency.code),
            "signing_secret": desk.signing[agency.code],
            "contact": f"duty-desk@{agency.code.lower()}.example.test"}
