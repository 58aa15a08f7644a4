"""The outbound client's address policy, limits and redirects, against real loopback servers."""

from __future__ import annotations

import base64
import ipaddress
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError

from tipline.delivery import http_client
from tipline.delivery.http_client import (
    OutboundClient,
    OutboundError,
    OutboundPolicy,
    OutboundRefused,
    address_allowed,
)
from tipline.settings import Settings


class Site:
    """A loopback server answering each path from `routes`: (status, headers, body, delay)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self._answer()

            def _answer(self) -> None:
                site.hits.append(f"{self.command} {self.path} {self.headers.get('Host')}")
                status, headers, body, delay = site.routes.get(self.path, (404, {}, b"", 0))
                time.sleep(delay)
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda *_: None  # type: ignore[method-assign]  # client hung up
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def client(allow_loopback: bool = True, resolver: http_client.Resolver | None = None,
           **limits: Any) -> OutboundClient:
    policy = OutboundPolicy(allow_loopback=allow_loopback, allow_http=allow_loopback,
                            connect_timeout=0.5,
                            read_timeout=0.3, total_timeout=1.0, **limits)
    return OutboundClient(policy, resolver or http_client.system_resolver)


@pytest.mark.parametrize("address, allowed", [
    ("127.0.0.1", False), ("::1", False), ("10.1.2.3", False), ("172.16.0.1", False),
    ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
    ("224.0.0.1", False), ("240.0.0.1", False), ("0.0.0.0", False), ("::ffff:10.0.0.1", False),
    ("::ffff:127.0.0.1", False), ("fe80::1", False), ("fc00::1", False), ("ff02::1", False),
    ("93.184.216.34", True), ("2606:2800:220:1::1", True),
])
def test_address_policy(address: str, allowed: bool) -> None:
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=False) is allowed


def test_loopback_only_when_allowed_and_private_never() -> None:
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), allow_loopback=True)
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)


def test_loopback_refused_without_the_setting(site: Site) -> None:
    site.routes["/"] = (200, {}, b"ok", 0)
    with pytest.raises(OutboundRefused, match="plain http"):
        client(allow_loopback=False).post(site.url("/"), b"{}", {})
    with pytest.raises(OutboundRefused, match="forbidden address"):
        client(allow_loopback=False).post(f"https://127.0.0.1:{site.port}/", b"{}", {})
    assert site.hits == []


def test_hostname_resolving_to_private_space_is_refused(site: Site) -> None:
    names = {"evil.test": ["93.184.216.34", "10.0.0.7"], "inner.test": ["192.168.0.2"]}
    c = client(allow_loopback=False, resolver=lambda host, _port: names[host])
    for host in names:
        with pytest.raises(OutboundRefused, match="forbidden address"):
            c.post(f"https://{host}/hook", b"{}", {})


def test_connects_to_the_checked_address_with_the_original_host(site: Site) -> None:
    site.routes["/hook"] = (200, {}, b'{"received": true}', 0)
    c = client(resolver=lambda _host, _port: ["127.0.0.1"])
    answer = c.post(site.url("/hook", host="agency.test"), b"{}", {})
    assert answer.status == 200
    assert site.hits == [f"POST /hook agency.test:{site.port}"]


def test_redirect_into_private_space_is_refused(site: Site) -> None:
    site.routes["/hook"] = (307, {"Location": "http://10.0.0.5/steal"}, b"", 0)
    with pytest.raises(OutboundRefused, match=r"10\.0\.0\.5"):
        client().post(site.url("/hook"), b"{}", {})
    names = {"internal.test": ["172.20.0.9"]}
    site.routes["/dns"] = (302, {"Location": "http://internal.test/x"}, b"", 0)
    c = client(resolver=lambda host, port: names.get(host) or ["127.0.0.1"])
    with pytest.raises(OutboundRefused, match=r"172\.20\.0\.9"):
        c.post(site.url("/dns"), b"{}", {})


def test_redirect_to_loopback_is_refused_when_loopback_is_not_allowed(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 stands in for a public first hop (this machine has no other); the redirect to
    127.0.0.2 then meets the real policy and is refused before anything connects."""
    real = http_client.address_allowed
    stand_in = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(http_client, "address_allowed",
                        lambda a, allow: a == stand_in or real(a, allow))
    site.routes["/hook"] = (308, {"Location": f"http://127.0.0.2:{site.port}/x"}, b"", 0)
    c = OutboundClient(OutboundPolicy(allow_loopback=False, allow_http=True))
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.2"):
        c.post(site.url("/hook"), b"{}", {})
    assert [h.split()[1] for h in site.hits] == ["/hook"]


def test_redirects_are_followed_at_most_three_times(site: Site) -> None:
    for i in range(5):
        site.routes[f"/r{i}"] = (302, {"Location": f"/r{i + 1}"}, b"", 0)
    site.routes["/r5"] = (200, {}, b"done", 0)
    with pytest.raises(OutboundRefused, match="more than 3 redirects"):
        client().request("GET", site.url("/r0"))
    site.routes["/r2"] = (302, {"Location": "/r5"}, b"", 0)
    answer = client().request("GET", site.url("/r0"))
    assert answer.body == b"done" and len(answer.redirects) == 3


def test_size_and_time_limits(site: Site) -> None:
    site.routes["/big"] = (200, {}, b"x" * 5000, 0)
    with pytest.raises(OutboundError, match="larger than"):
        client(max_response_bytes=1000).request("GET", site.url("/big"))
    # The answer comes after 5 s; the 0.3 s read limit (1 s in all) cuts it off long before,
    # with seconds to spare for a loaded machine.
    site.routes["/slow"] = (200, {}, b"late", 5.0)
    started = time.monotonic()
    with pytest.raises(OutboundError, match="timeout"):
        client().request("GET", site.url("/slow"))
    assert time.monotonic() - started < 4.0


def test_production_refuses_loopback() -> None:
    with pytest.raises(ValidationError, match="ALLOW_LOOPBACK"):
        Settings(environment="production", outbound_allow_loopback=True,
                 evidence_key=base64.b64encode(secrets.token_bytes(32)).decode(),
                 secret_key=secrets.token_urlsafe(32))
