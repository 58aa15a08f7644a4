"""Where a case is: countries from IP capture events (offline lookup), stated locations, the
reporter's seat and the hosts of reported URLs (DNS), each with its evidence.

Both lookups are interfaces so tests (and deployments with their own data) can inject them:
the defaults are `iptocc` (a registry package that ships its data; nothing is downloaded at
run time) and the system resolver with a timeout. An address no table places (private,
loopback and documentation ranges, unallocated space) yields evidence without a country: a
lead that is kept and shown, never guessed into a country.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tipline.routing.rules import Evidence, country_code, document_evidence, ip_literal, url_host


class CountryLookup(Protocol):
    def country(self, ip: str) -> str | None:
        """The ISO alpha-2 country an address is allocated to, or None."""


class Resolver(Protocol):
    def resolve(self, host: str) -> list[str]:
        """The addresses of a host name ([] when it does not resolve in time)."""


class IptoccLookup:
    """The default: iptocc's compiled-in regional registry data (offline)."""

    def country(self, ip: str) -> str | None:
        import iptocc

        literal = ip_literal(ip)
        if literal is None:
            return None
        return country_code(iptocc.country_code(literal))


class TableLookup:
    """A fixed table of address -> country, with an optional fallback lookup (for tests,
    whose addresses are loopback or documentation ranges that no registry places)."""

    def __init__(self, table: Mapping[str, str], fallback: CountryLookup | None = None) -> None:
        self.table = {ip_literal(ip) or ip: code.upper() for ip, code in table.items()}
        self.fallback = fallback

    def country(self, ip: str) -> str | None:
        literal = ip_literal(ip) or ip
        if literal in self.table:
            return self.table[literal]
        return self.fallback.country(literal) if self.fallback else None


class SystemResolver:
    """getaddrinfo with a timeout (it has none of its own), in a small shared thread pool."""

    def __init__(self, timeout: float = 2.0, workers: int = 4) -> None:
        self.timeout = timeout
        self.pool = concurrent.futures.ThreadPoolExecutor(workers, "tipline-dns")

    def resolve(self, host: str) -> list[str]:
        future = self.pool.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=self.timeout)
        except (OSError, UnicodeError, concurrent.futures.TimeoutError):
            return []
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


class NoResolver:
    """Resolves nothing (host names stay unplaced): when DNS lookups are switched off."""

    def resolve(self, host: str) -> list[str]:
        return []


class CachedResolver:
    """Answers from a map resolved earlier (the stage resolves before its transaction, so
    no DNS wait happens while the transaction holds locks); unknown hosts resolve to []."""

    def __init__(self, answers: Mapping[str, list[str]]) -> None:
        self.answers = dict(answers)

    def resolve(self, host: str) -> list[str]:
        return list(self.answers.get(host, []))


def resolve_hosts(urls: Iterable[str], resolver: Resolver) -> dict[str, list[str]]:
    """Every distinct host of these URLs, resolved once (IP literals need no DNS)."""
    answers: dict[str, list[str]] = {}
    for url in urls:
        host = url_host(url)
        if host and host not in answers:
            literal = ip_literal(host)
            answers[host] = [literal] if literal else resolver.resolve(host)
    return answers


@dataclass(frozen=True)
class IpLead:
    report_id: int
    ip: str
    at: dt.datetime | None
    proxy: bool


@dataclass(frozen=True)
class CaseInputs:
    """What a case's reports say about place, read by the store."""

    documents: Sequence[tuple[int, Mapping[str, object]]]  # (report id, reports.document)
    reporters: Sequence[tuple[int, str | None]]  # (report id, reporters.country)
    ips: Sequence[IpLead]
    urls: Sequence[tuple[int, str]]  # (report id, url)


def locate(inputs: CaseInputs, lookup: CountryLookup, resolver: Resolver) -> list[Evidence]:
    """Every piece of place evidence of a case, in a stable order."""
    found: list[Evidence] = []
    for lead in inputs.ips:
        found.append(Evidence("ip", lead.report_id, lead.ip, lookup.country(lead.ip),
                              lead.at, lead.proxy))
    for report_id, document in inputs.documents:
        found += document_evidence(report_id, document)
    for report_id, country in inputs.reporters:
        if code := country_code(country):
            found.append(Evidence("reporter", report_id, "reporters.country", code))
    answers = resolve_hosts((url for _, url in inputs.urls), resolver)
    for report_id, url in inputs.urls:
        host = url_host(url)
        for address in answers.get(host or "", []):
            found.append(Evidence("url_host", report_id, f"{url} -> {address}",
                                  lookup.country(address)))
    return sorted(set(found), key=_order)


def _order(e: Evidence) -> tuple[str, int, str, str]:
    return (e.kind, e.report_id, e.detail, e.country or "")
