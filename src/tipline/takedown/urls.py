"""URL normalisation (pure, no I/O): one spelling per URL, so every report of it is one row.

Scheme and host in lower case, default ports dropped, international names in punycode,
tracking parameters and the fragment removed, credentials never kept. A URL is *never*
fetched here; what must not be contacted (private, loopback and other non-public addresses,
IP addresses written in unusual notations) is recorded with the reason and left alone.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import idna

from tipline.errors import Invalid

MAX_URL_LENGTH = 2048
SCHEMES = {"http": 80, "https": 443}
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid",
                             "igshid", "yclid", "_ga", "_hsenc", "_hsmi", "ref_src"})
SAFE_PATH = "/%:@!$&'()*+,;=-._~"
SAFE_QUERY = SAFE_PATH + "?"
ODD_IP = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)


class UrlRefused(Invalid):
    """A URL that cannot be recorded at all (not http(s), no host, too long)."""


@dataclass(frozen=True)
class NormalUrl:
    url: str
    host: str
    refusal: str | None  # why it is never contacted; None when it may be
    notes: tuple[str, ...]


def normalise(raw: str, allow_loopback: bool = False) -> NormalUrl:
    text = raw.strip()
    if not text:
        raise UrlRefused("an empty URL")
    if len(text) > MAX_URL_LENGTH:
        raise UrlRefused(f"a URL longer than {MAX_URL_LENGTH} characters")
    if "://" not in text:
        text = "http://" + text  # "example.com/x" as people write it
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UrlRefused(f"only http and https URLs are taken (not {scheme!r})")
    notes: list[str] = []
    if parts.username is not None or parts.password is not None:
        notes.append("credentials in the URL were removed")
    host, refusal, host_notes = _host(parts.hostname or "", allow_loopback)
    notes += host_notes
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != SCHEMES[scheme]:
        netloc += f":{port}"
    path = quote(parts.path or "/", safe=SAFE_PATH)
    query = _query(parts.query, notes)
    return NormalUrl(urlunsplit((scheme, netloc, path, query, "")), host, refusal, tuple(notes))


def _host(raw: str, allow_loopback: bool) -> tuple[str, str | None, list[str]]:
    host = raw.rstrip(".").lower()
    if not host:
        raise UrlRefused("the URL has no host")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return address.compressed, _address_refusal(address, allow_loopback), []
    if ODD_IP.fullmatch(host) and _odd_ip(host):
        return host, f"an IP address in an unusual notation ({_odd_ip(host)})", []
    notes: list[str] = []
    if not host.isascii():
        notes.append("an international domain name")
        if _mixed_scripts(host):
            notes.append("mixes writing systems in one label (a look-alike?)")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise UrlRefused(f"the host name {raw!r} is not valid: {exc}") from exc
    if ascii_host == "localhost" or ascii_host.endswith(".localhost"):
        return ascii_host, None if allow_loopback else "a loopback name", notes
    return ascii_host, None, notes


def _odd_ip(host: str) -> str | None:
    """The address an IPv4 literal in another notation (decimal, hex, octal, short) means."""
    try:
        return socket.inet_ntoa(socket.inet_aton(host))  # parsing only: no lookup
    except OSError:
        return None


def _address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
                     allow_loopback: bool) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _address_refusal(address.ipv4_mapped, allow_loopback)
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if not address.is_global or address.is_multicast:
        return "a private or reserved address"
    return None


def _mixed_scripts(host: str) -> bool:
    for label in host.split("."):
        scripts = {unicodedata.name(ch, "UNKNOWN").split()[0] for ch in label if ch.isalpha()}
        if len(scripts) > 1:
            return True
    return False


def _query(query: str, notes: list[str]) -> str:
    kept: list[str] = []
    dropped = False
    for pair in query.split("&") if query else []:
        name = pair.split("=", 1)[0].lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            dropped = True
            continue
        if pair:
            kept.append(quote(pair, safe=SAFE_QUERY))
    if dropped:
        notes.append("tracking parameters removed")
    return "&".join(kept)


def strip_credentials(raw: str) -> str:
    """The URL as given but without user name and password (never stored)."""
    try:
        parts = urlsplit(raw.strip())
    except ValueError:
        return raw.strip()[:MAX_URL_LENGTH]
    if "@" not in parts.netloc:
        return raw.strip()[:MAX_URL_LENGTH]
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))[:MAX_URL_LENGTH]
