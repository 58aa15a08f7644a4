"""The outbound address policy: which destinations tipline may send to (webhooks).

One policy, used twice: when an agency's endpoint is registered (`check_url`, without DNS)
and before every request the delivery client makes (`delivery.http_client`, which resolves
the name and judges every address it resolves to). Only globally routable unicast addresses
pass; loopback and plain http only where settings allow them (tests, the local demo).

An IPv6 address that carries an IPv4 address is judged by that IPv4 address: IPv4-mapped
(::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96), 6to4
(2002::/16), Teredo (2001::/32: server and client) and NAT64 (64:ff9b::/96); the local-use
NAT64 prefix (64:ff9b:1::/48) embeds at a site-chosen place and is refused.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from tipline.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
# Names that never leave the site, refused without asking DNS (RFC 6761, 6762, 8375).
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")


class DestinationRefused(ValueError):
    """The policy refuses this destination; the message says why."""


@dataclass(frozen=True)
class Destinations:
    allow_loopback: bool = False
    allow_http: bool = False  # plain http; settings allow it exactly when loopback is allowed

    @classmethod
    def from_settings(cls, settings: Settings) -> Destinations:
        return cls(settings.outbound_allow_loopback, settings.outbound_allow_loopback)


def _last32(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (empty when it carries none)."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _TRANSLATED or address in _NAT64:
        return [_last32(address)]
    if address in _COMPATIBLE and int(address) > 1:  # not :: or ::1
        return [_last32(address)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return []


def address_allowed(address: IPAddress, allow_loopback: bool) -> bool:
    """Only globally routable unicast addresses; loopback too when explicitly allowed.
    `is_global` already excludes private, link-local, CGNAT (100.64/10), reserved, unspecified
    and documentation ranges; multicast is checked on its own because some of it is 'global'."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        carried = embedded_ipv4(address)
        if carried:
            return all(address_allowed(v4, allow_loopback) for v4 in carried)
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not address.is_multicast


def check_scheme(scheme: str, policy: Destinations) -> None:
    if scheme not in ("https", "http"):
        raise DestinationRefused(f"scheme {scheme!r} is not allowed")
    if scheme == "http" and not policy.allow_http:
        raise DestinationRefused("plain http is refused; use https")


def check_url(url: str, policy: Destinations) -> None:
    """Everything the policy can judge without DNS: the scheme, a host, an address written
    in the URL, and names that are local by definition. A name is resolved and its addresses
    judged again before every request (its DNS answer may change: rebinding)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError as exc:
        raise DestinationRefused(f"not a URL: {exc}") from exc
    check_scheme(parts.scheme.lower(), policy)
    if not host:
        raise DestinationRefused("the URL has no host")
    try:
        literal = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        if host == "localhost" and policy.allow_loopback:
            return
        if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
            raise DestinationRefused(f"{host} is a local name, not a public one") from None
        return
    if not address_allowed(literal, policy.allow_loopback):
        raise DestinationRefused(f"{literal} is not a public address")
