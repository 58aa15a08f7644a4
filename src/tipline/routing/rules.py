"""Route planning as pure logic: where a case's evidence places it, which agencies serve those
countries and through which channel chain, and by when each must have it. No I/O: callers
pass the facts in (the registry and retention windows come from `tipline.agencies`)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tipline.agencies.rules import AgencyEntry, Retention, chain
from tipline.banks.formats.countries import ALPHA2
from tipline.reports.normalize import as_list, text

# Evidence that says where the suspect or the child is. The reporter's seat says where the
# platform is, and a URL's host where content is stored: both are used only when nothing
# better exists (a US platform reporting a German user is a German case).
PRIMARY = ("ip", "reported_location", "reported_address", "victim_location")
SECONDARY = ("url_host", "reporter")
EVIDENCE_SHOWN = 20  # per country in a route's reasons; the count says how many there were


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



def reason_countries(reasons: Sequence[Any]) -> list[str]:
    """The countries a route was made for: one per reason (`plan_routes` writes them)."""
    return sorted({code for r in reasons if isinstance(r, Mapping)
                   and (code := country_code(r.get("country")))})

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


# --- deadlines ------------------------------------------------------------------------------

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


def earliest(deadlines: Iterable[dt.datetime | None]) -> dt.datetime | None:
    """A case's deadline: the earliest of its active routes' deadlines (None without any)."""
    return min((d for d in deadlines if d is not None), default=None)
