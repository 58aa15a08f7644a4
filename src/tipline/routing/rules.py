"""Routing as pure logic: where a case's evidence places it, which agencies serve those
countries and through which channel chain, by when each must have it, and the checks on the
agency registry and on deconfliction watches. No I/O: callers pass the facts in."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tipline.banks.formats.countries import ALPHA2
from tipline.errors import Invalid
from tipline.reports.normalize import (
    account_key,
    as_list,
    normalise_email,
    normalise_ip,
    normalise_phone,
    text,
)

CHANNELS = ("direct", "europol", "interpol", "hotline")
DELIVERY_METHODS = ("webhook", "pull")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,49}$")
# Evidence that says where the suspect or the child is. The reporter's seat says where the
# platform is, and a URL's host where content is stored: both are used only when nothing
# better exists (a US platform reporting a German user is a German case).
PRIMARY = ("ip", "reported_location", "reported_address", "victim_location")
SECONDARY = ("url_host", "reporter")
EVIDENCE_SHOWN = 20  # per country in a route's reasons; the count says how many there were
FORECAST_DAYS = 7
QUEUED = ("pending", "delivered")  # waiting to be sent, or sent and not yet acknowledged


class RegistryError(Invalid):
    """An agency registry entry or retention window is invalid; the message says why."""


# --- evidence ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One reason to place a case in a country (or a lead that placed it nowhere)."""

    kind: str  # ip | reported_location | reported_address | victim_location | url_host | reporter
    report_id: int
    detail: str  # the address, URL, or the field of the document
    country: str | None
    at: dt.datetime | None = None  # capture time of an IP lead
    proxy: bool = False

    @property
    def primary(self) -> bool:
        return self.kind in PRIMARY and not self.proxy

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": self.kind, "report_id": self.report_id,
                                 "detail": self.detail}
        if self.at is not None:
            found["at"] = self.at.isoformat()
        if self.proxy:
            found["possible_proxy"] = True
        return found


def country_code(value: Any) -> str | None:
    """An ISO alpha-2 code from a schema `country` value, or None (names, A1, EU ...)."""
    code = (text(value) or "").upper()
    return code if code in ALPHA2 else None


def document_evidence(report_id: int, document: Mapping[str, Any]) -> list[Evidence]:
    """Locations the reporter stated: the reported user's and victims' estimated locations
    and the countries of their addresses."""
    found: list[Evidence] = []
    for party in as_list(document.get("personOrUserReported")):
        if not isinstance(party, dict):
            continue
        location = party.get("estimatedLocation") or {}
        if code := country_code(location.get("countryCode")):
            found.append(Evidence("reported_location", report_id,
                                  "personOrUserReported.estimatedLocation", code))
        person = party.get("personOrUserReportedPerson") or {}
        for address in as_list(person.get("address")):
            if isinstance(address, dict) and (code := country_code(address.get("country"))):
                found.append(Evidence("reported_address", report_id,
                                      "personOrUserReportedPerson.address", code))
    for victim in as_list(document.get("victim")):
        if not isinstance(victim, dict):
            continue
        location = victim.get("estimatedLocation") or {}
        if code := country_code(location.get("countryCode")):
            found.append(Evidence("victim_location", report_id, "victim.estimatedLocation",
                                  code))
        person = victim.get("victimPerson") or {}
        for address in as_list(person.get("address")):
            if isinstance(address, dict) and (code := country_code(address.get("country"))):
                found.append(Evidence("victim_location", report_id, "victimPerson.address",
                                      code))
    return found


def url_host(url: str) -> str | None:
    """The host of a reported URL (scheme optional), lower case, or None."""
    candidate = url.strip()
    if "://" not in candidate:
        candidate = "http://" + candidate
    try:
        host = urlsplit(candidate).hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def routing_countries(evidence: Sequence[Evidence]) -> dict[str, list[Evidence]]:
    """Countries the case is routed to, each with its evidence: those with primary evidence,
    or, when there is none at all, those with secondary evidence."""
    located = [e for e in evidence if e.country]
    chosen = [e for e in located if e.primary] or [e for e in located if e.kind in SECONDARY]
    by_country: dict[str, list[Evidence]] = {}
    for item in chosen:
        assert item.country is not None
        by_country.setdefault(item.country, []).append(item)
    return dict(sorted(by_country.items()))


# --- agencies and channels -------------------------------------------------------------------

@dataclass(frozen=True)
class AgencyEntry:
    code: str
    name: str
    countries: tuple[str, ...]
    channel: str
    via_code: str | None
    delivery_method: str
    endpoint_url: str | None = None
    contact: str = ""
    active: bool = True


def check_agency(entry: AgencyEntry, known: Mapping[str, AgencyEntry]) -> AgencyEntry:
    """The entry, normalised, or RegistryError. `known` is the registry it joins (entries by
    code, possibly including an older version of this one)."""
    code = entry.code.strip().upper()
    if not CODE.match(code):
        raise RegistryError(f"agency code {entry.code!r} must be 2-50 capitals, digits, - or _")
    if not entry.name.strip():
        raise RegistryError(f"agency {code}: a name is required")
    countries = tuple(dict.fromkeys(c.strip().upper() for c in entry.countries))
    unknown = [c for c in countries if c not in ALPHA2]
    if unknown:
        raise RegistryError(f"agency {code}: unknown country code(s) {', '.join(unknown)} "
                            "(use ISO 3166-1 alpha-2, e.g. DE)")
    if entry.channel not in CHANNELS:
        raise RegistryError(f"agency {code}: channel {entry.channel!r} is not one of "
                            f"{', '.join(CHANNELS)}")
    if entry.delivery_method not in DELIVERY_METHODS:
        raise RegistryError(f"agency {code}: delivery method {entry.delivery_method!r} is not "
                            f"one of {', '.join(DELIVERY_METHODS)}")
    via = entry.via_code.strip().upper() if entry.via_code else None
    if entry.channel == "direct" and via:
        raise RegistryError(f"agency {code}: a direct channel has no intermediary (via {via})")
    if entry.channel != "direct":
        if not via:
            raise RegistryError(f"agency {code}: channel {entry.channel} needs the code of "
                                "the intermediary agency (via)")
        if via not in known or via == code:
            raise RegistryError(f"agency {code}: intermediary {via} is not in the registry")
    if entry.delivery_method == "webhook" and entry.channel == "direct":
        url = entry.endpoint_url or ""
        if urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).hostname:
            raise RegistryError(f"agency {code}: a webhook needs an endpoint URL")
    checked = AgencyEntry(code, entry.name.strip(), countries, entry.channel, via,
                          entry.delivery_method, entry.endpoint_url, entry.contact.strip(),
                          entry.active)
    chain({**known, code: checked}, code)  # refuses a cycle through intermediaries
    return checked


def chain(agencies: Mapping[str, AgencyEntry], code: str) -> list[str]:
    """The channel chain to an agency: its intermediaries first, the agency last
    (a Swedish case via Europol: ["EUROPOL", "SE-NOA"])."""
    found: list[str] = []
    current: str | None = code
    while current is not None:
        if current in found:
            raise RegistryError(f"agency {code}: intermediaries form a cycle "
                                f"({' -> '.join([*reversed(found), current])})")
        found.append(current)
        entry = agencies.get(current)
        if entry is None:
            raise RegistryError(f"agency {code}: intermediary {current} is not in the registry")
        current = entry.via_code
    return list(reversed(found))


def dependants(agencies: Mapping[str, AgencyEntry], code: str) -> list[str]:
    """Active agencies whose chain passes through `code` (they break if it is disabled)."""
    return sorted(other.code for other in agencies.values()
                  if other.code != code and other.active and code in chain(agencies, other.code))


# --- retention and deadlines ---------------------------------------------------------------

@dataclass(frozen=True)
class Retention:
    days: int
    source: str
    origin: str  # override | jurisdictions.csv | default
    assumed: bool  # True: the country's window is unknown, the default applies


def retention_for(country: str, override: tuple[int | None, str] | None,
                  table_days: int | None, table_source: str, default_days: int) -> Retention:
    """An administrator's override wins over the shipped jurisdiction table; an unknown
    window means the conservative default, flagged as assumed."""
    if override is not None and override[0] is not None:
        return Retention(override[0], override[1], "override", False)
    if override is None and table_days is not None:
        return Retention(table_days, table_source, "jurisdictions.csv", False)
    return Retention(default_days, f"default ({default_days} days): the retention window of "
                     f"{country} is unknown", "default", True)


def check_retention(country: str, days: int | None) -> str:
    code = country.strip().upper()
    if code not in ALPHA2:
        raise RegistryError(f"unknown country code {country!r} (use ISO 3166-1 alpha-2)")
    if days is not None and days < 0:
        raise RegistryError(f"retention window of {code} must not be negative (got {days})")
    return code


@dataclass(frozen=True)
class Deadline:
    at: dt.datetime | None
    basis: dict[str, Any]


def deadline(countries: Mapping[str, Sequence[Evidence]],
             retention: Callable[[str], Retention]) -> Deadline:
    """Per country, the earliest IP capture that resolves to it plus that country's
    retention window (providers keep the subscriber data of an address under the law where
    the address is allocated); the route's deadline is the earliest of its countries'."""
    best: Deadline | None = None
    for country, items in sorted(countries.items()):
        leads = sorted((e for e in items if e.kind == "ip" and e.at and not e.proxy),
                       key=lambda e: (e.at, e.report_id, e.detail))
        if not leads:
            continue
        first, window = leads[0], retention(country)
        assert first.at is not None
        ends = first.at + dt.timedelta(days=window.days)
        last = leads[-1].at
        assert last is not None
        basis = {
            "rule": "earliest IP capture in the country + the country's retention window",
            "country": country, "first_capture": first.at.isoformat(), "ip": first.detail,
            "report_id": first.report_id, "retention_days": window.days,
            "retention_source": window.source, "retention_origin": window.origin,
            "assumed": window.assumed, "leads": len(leads),
            "last_lead_expires": (last + dt.timedelta(days=window.days)).isoformat(),
        }
        if best is None or best.at is None or ends < best.at:
            best = Deadline(ends, basis)
    return best or Deadline(None, {
        "rule": "earliest IP capture in the country + the country's retention window",
        "none": "no IP capture event of this route's countries has a time and a country"})


def at_risk(when: dt.datetime | None, now: dt.datetime, margin: dt.timedelta) -> bool:
    """Still reachable but less than the margin left. A deadline already passed is not
    escalated: the lead is gone, urgency cannot bring it back."""
    return when is not None and now <= when < now + margin


# --- route planning ------------------------------------------------------------------------

@dataclass(frozen=True)
class RoutePlan:
    agency: str
    chain: list[str]
    reasons: list[dict[str, Any]]
    deadline: dt.datetime | None
    basis: dict[str, Any]

    def key(self) -> tuple[Any, ...]:
        """What makes two plans the same route (a change means a new route and delivery)."""
        return (self.agency, self.chain, self.reasons,
                self.deadline.isoformat() if self.deadline else None, self.basis)


@dataclass(frozen=True)
class Plan:
    routes: list[RoutePlan]
    unrouted: dict[str, str] = field(default_factory=dict)  # country -> why


def _reason(country: str, items: Sequence[Evidence], fallback: bool) -> dict[str, Any]:
    kinds = sorted({e.kind for e in items})
    found: dict[str, Any] = {
        "country": country, "evidence_kinds": kinds, "evidence_count": len(items),
        "evidence": [e.as_json() for e in items[:EVIDENCE_SHOWN]],
        "text": f"{country}: {', '.join(kinds)}",
    }
    if fallback:
        found["fallback"] = True
        found["text"] += f" (no active agency serves {country})"
    return found


def plan_routes(evidence: Sequence[Evidence], agencies: Mapping[str, AgencyEntry],
                retention: Callable[[str], Retention], fallback: str | None) -> Plan:
    """Each active agency serving a country of the case gets one route with the countries
    and evidence behind it; a country no active agency serves goes to the fallback agency
    (if any) so a case is never silently dropped."""
    countries = routing_countries(evidence)
    served: dict[str, dict[str, list[Evidence]]] = {}
    fallback_countries: set[str] = set()
    unrouted: dict[str, str] = {}
    for country, items in countries.items():
        serving = [a.code for a in agencies.values() if a.active and country in a.countries]
        if not serving and fallback and fallback in agencies and agencies[fallback].active:
            serving = [fallback]
            fallback_countries.add(country)
        if not serving:
            unrouted[country] = "no active agency serves this country and no fallback is set"
        for code in serving:
            served.setdefault(code, {})[country] = items
    routes = []
    for code, by_country in sorted(served.items()):
        due = deadline(by_country, retention)
        reasons = [_reason(c, items, c in fallback_countries and code == fallback)
                   for c, items in sorted(by_country.items())]
        routes.append(RoutePlan(code, chain(agencies, code), reasons, due.at, due.basis))
    return Plan(routes, unrouted)


# --- deconfliction -------------------------------------------------------------------------

WATCH_KINDS = ("account", "email", "phone", "hash", "ip")
HASH_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}


def normalise_watch(kind: str, value: str, service: str | None = None,
                    algorithm: str | None = None) -> str:
    """The stored form of a watched identifier: the same normalisation as report identifiers
    (so matching is exact), hashes as `algorithm:lowercase-hex`."""
    raw = value.strip()
    if not raw:
        raise RegistryError("a watched value must not be empty")
    if kind == "account":
        if service is None and "|" in raw:
            service, raw = raw.split("|", 1)
        if not service:
            raise RegistryError("an account is unique only within its service: give the "
                                "service (or value as service|identifier)")
        return account_key(service, raw)
    if kind == "email":
        return normalise_email(raw)
    if kind == "phone":
        return normalise_phone(raw)
    if kind == "ip":
        if ip_literal(raw) is None:
            raise RegistryError(f"{raw!r} is not an IP address")
        return normalise_ip(raw)
    if kind == "hash":
        return _hash_value(raw, algorithm)
    raise RegistryError(f"unknown watch kind {kind!r}; use one of {', '.join(WATCH_KINDS)}")


def _hash_value(raw: str, algorithm: str | None) -> str:
    if algorithm is None and ":" in raw:
        algorithm, raw = raw.split(":", 1)
    algorithm = (algorithm or "").strip().lower()
    if algorithm not in HASH_LENGTHS:
        raise RegistryError(f"hash algorithm {algorithm or '(none)'!r} is not one of "
                            f"{', '.join(HASH_LENGTHS)}")
    digest = raw.strip().lower()
    if len(digest) != HASH_LENGTHS[algorithm] or not re.fullmatch(r"[0-9a-f]+", digest):
        raise RegistryError(f"a {algorithm} hash is {HASH_LENGTHS[algorithm]} hex characters")
    return f"{algorithm}:{digest}"


# --- expected volume -----------------------------------------------------------------------

def forecast(routed_at: Iterable[dt.datetime], deadlines: Iterable[dt.datetime],
             queued: Mapping[str, int], now: dt.datetime) -> dict[str, Any]:
    """Queued now (by delivery status: dead letters are listed, not counted as queued),
    expected in the next 24 hours from the average rate of the last FORECAST_DAYS days, and
    deadlines falling due."""
    since = now - dt.timedelta(days=FORECAST_DAYS)
    recent = sum(1 for t in routed_at if since <= t <= now)
    dues = list(deadlines)
    return {
        "at": now.isoformat(),
        "queued_now": sum(n for status, n in queued.items() if status in QUEUED),
        "queued_by_status": dict(sorted(queued.items())),
        "recent_cases": recent,
        "recent_window_days": FORECAST_DAYS,
        "expected_next_24h": round(recent / FORECAST_DAYS, 1),
        "deadlines_passed": sum(1 for d in dues if d < now),
        "deadlines_next_24h": sum(1 for d in dues if now <= d < now + dt.timedelta(hours=24)),
        "deadlines_next_7d": sum(1 for d in dues if now <= d < now + dt.timedelta(days=7)),
    }
