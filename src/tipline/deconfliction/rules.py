"""Deconfliction as pure logic: the stored form of a watched identifier. No I/O."""

from __future__ import annotations

import ipaddress
import re

from tipline.errors import Invalid
from tipline.reports.normalize import account_key, normalise_email, normalise_ip, normalise_phone

WATCH_KINDS = ("account", "email", "phone", "hash", "ip")
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}


class WatchError(Invalid):
    """A watched identifier is invalid; the message says why."""


def normalise_watch(kind: str, value: str, service: str | None = None,
                    algorithm: str | None = None) -> str:
    """The stored form of a watched identifier: the same normalisation as report identifiers
    (so matching is exact), hashes as `algorithm:lowercase-hex`."""
    raw = value.strip()
    if not raw:
        raise WatchError("a watched value must not be empty")
    if kind == "account":
        if service is None and "|" in raw:
            service, raw = raw.split("|", 1)
        if not service:
            raise WatchError("an account is unique only within its service: give the "
                             "service (or value as service|identifier)")
        return account_key(service, raw)
    if kind == "email":
        return normalise_email(raw)
    if kind == "phone":
        return normalise_phone(raw)
    if kind == "ip":
        if not _is_ip(raw):
            raise WatchError(f"{raw!r} is not an IP address")
        return normalise_ip(raw)
    if kind == "hash":
        return _hash_value(raw, algorithm)
    raise WatchError(f"unknown watch kind {kind!r}; use one of {', '.join(WATCH_KINDS)}")


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def _hash_value(raw: str, algorithm: str | None) -> str:
    if algorithm is None and ":" in raw:
        algorithm, raw = raw.split(":", 1)
    algorithm = (algorithm or "").strip().lower()
    if algorithm not in HASH_LENGTHS:
        raise WatchError(f"hash algorithm {algorithm or '(none)'!r} is not one of "
                         f"{', '.join(HASH_LENGTHS)}")
    digest = raw.strip().lower()
    if len(digest) != HASH_LENGTHS[algorithm] or not re.fullmatch(r"[0-9a-f]+", digest):
        raise WatchError(f"a {algorithm} hash is {HASH_LENGTHS[algorithm]} hex characters")
    return f"{algorithm}:{digest}"
