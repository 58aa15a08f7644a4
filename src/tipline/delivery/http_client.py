"""The one HTTP client for every outbound request tipline makes.

Each request (and each redirect, followed by hand, at most `max_redirects`) goes through the
same checks: the scheme (https; http only where loopback is allowed, i.e. in tests), then the
host is resolved here and *every* address it resolves to is checked against the address policy
(`tipline.outbound`, which also judges endpoints when they are registered) before anything
connects. The connection then goes to the checked address itself, with the original name in
the Host header and in TLS SNI/certificate checking, so a DNS answer that changes between
check and connect (rebinding) cannot lead into private space. Time is limited per phase
(connect, read) and in total; the response body is limited in size.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from tipline.outbound import DestinationRefused, Destinations, address_allowed, check_scheme

__all__ = ["OutboundClient", "OutboundError", "OutboundPolicy", "OutboundRefused",
           "OutboundResponse", "address_allowed", "system_resolver"]

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECTS = (301, 302, 303, 307, 308)


class OutboundError(Exception):
    """The request failed in a way worth retrying later (network, timeout, size)."""


class OutboundRefused(OutboundError):
    """The address policy or scheme policy refused the request (or one of its redirects)."""


@dataclass(frozen=True)
class OutboundPolicy:
    allow_loopback: bool = False
    allow_http: bool = False  # plain http; settings allow it exactly when loopback is allowed
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_response_bytes: int = 1024 * 1024
    max_redirects: int = 3


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    redirects: list[str] = field(default_factory=list)


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class OutboundClient:
    def __init__(self, policy: OutboundPolicy, resolver: Resolver = system_resolver) -> None:
        self.policy = policy
        self.resolver = resolver
        timeout = httpx.Timeout(connect=policy.connect_timeout, read=policy.read_timeout,
                                write=policy.read_timeout, pool=policy.connect_timeout)
        # trust_env=False: no proxy from the environment may bypass the address policy.
        self.http = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)

    def close(self) -> None:
        self.http.close()

    def check_url(self, url: str) -> None:
        """Refuse a URL's scheme now (for registry entries); addresses are checked per request."""
        self._checked_target(httpx.URL(url), resolve=False)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> OutboundResponse:
        return self.request("POST", url, body, headers)

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> OutboundResponse:
        deadline = time.monotonic() + self.policy.total_timeout
        current = httpx.URL(url)
        hops: list[str] = []
        for _ in range(self.policy.max_redirects + 1):
            response = self._one(method, current, body, headers or {}, deadline)
            location = response.headers.get("location")
            if response.status not in REDIRECTS or not location:
                return OutboundResponse(response.status, response.headers, response.body,
                                        str(current), hops)
            current = current.join(location)
            hops.append(str(current))
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body = "GET", None
        raise OutboundRefused(f"more than {self.policy.max_redirects} redirects")

    def _checked_target(self, url: httpx.URL, resolve: bool = True) -> list[IPAddress]:
        try:
            check_scheme(url.scheme, Destinations(self.policy.allow_loopback,
                                                  self.policy.allow_http))
        except DestinationRefused as exc:
            raise OutboundRefused(str(exc)) from exc
        if not url.host:
            raise OutboundRefused("the URL has no host")
        if not resolve:
            return []
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            literal = ipaddress.ip_address(url.host)
            addresses: list[IPAddress] = [literal]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%")[0])
                             for a in self.resolver(url.host, port)]
            except (OSError, UnicodeError) as exc:
                raise OutboundError(f"cannot resolve {url.host}: {exc}") from exc
        if not addresses:
            raise OutboundError(f"{url.host} resolves to no address")
        refused = [a for a in addresses if not address_allowed(a, self.policy.allow_loopback)]
        if refused:  # one bad answer refuses the host: a round-robin must not smuggle it in
            raise OutboundRefused(f"{url.host} resolves to a forbidden address ({refused[0]})")
        return addresses

    def _one(self, method: str, url: httpx.URL, body: bytes | None,
             headers: Mapping[str, str], deadline: float) -> OutboundResponse:
        address = self._checked_target(url)[0]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OutboundError("total time limit reached")
        pinned = url.copy_with(host=str(address))
        send_headers = {**headers, "Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        timeout = httpx.Timeout(connect=min(self.policy.connect_timeout, remaining),
                                read=min(self.policy.read_timeout, remaining),
                                write=min(self.policy.read_timeout, remaining), pool=remaining)
        request = self.http.build_request(method, pinned, content=body, headers=send_headers,
                                          timeout=timeout, extensions=extensions)
        try:
            response = self.http.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise OutboundError(f"timeout: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise OutboundError(f"{type(exc).__name__}: {exc}") from exc
        try:
            data = self._read_limited(response, deadline)
        finally:
            response.close()
        return OutboundResponse(response.status_code, dict(response.headers), data, str(url))

    def _read_limited(self, response: httpx.Response, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.policy.max_response_bytes:
                    raise OutboundError(
                        f"response larger than {self.policy.max_response_bytes} bytes")
                if time.monotonic() > deadline:  # a trickling server hits the total limit
                    raise OutboundError("total time limit reached while reading")
                chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise OutboundError(f"timeout: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise OutboundError(f"{type(exc).__name__}: {exc}") from exc
        return b"".join(chunks)
