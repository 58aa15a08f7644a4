"""The agency registry as pure logic: checks of an entry, channel chains through
intermediaries, retention windows, and the arithmetic of an agency's forecast. No I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tipline.banks.formats.countries import ALPHA2
from tipline.errors import Invalid
from tipline.outbound import DestinationRefused, Destinations, check_url

CHANNELS = ("direct", "europol", "interpol", "hotline")
DELIVERY_METHODS = ("webhook", "pull")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,49}$")
FORECAST_DAYS = 7
QUEUED = ("pending", "delivered")  # waiting to be sent, or sent and not yet acknowledged


class RegistryError(Invalid):
    """An agency registry entry or retention window is invalid; the message says why."""


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


def check_agency(entry: AgencyEntry, known: Mapping[str, AgencyEntry],
                 destinations: Destinations = Destinations()) -> AgencyEntry:
    """The entry, normalised, or RegistryError. `known` is the registry it joins (entries by
    code, possibly including an older version of this one). A webhook endpoint must pass the
    outbound address policy (`destinations`), as every delivery to it will."""
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
    via = _check_via(code, entry, known)
    if entry.delivery_method == "webhook" and entry.channel == "direct":
        url = entry.endpoint_url or ""
        if urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).hostname:
            raise RegistryError(f"agency {code}: a webhook needs an endpoint URL")
    if entry.delivery_method == "webhook" and entry.endpoint_url:
        try:
            check_url(entry.endpoint_url, destinations)
        except DestinationRefused as exc:
            raise RegistryError(f"agency {code}: the endpoint URL is refused: {exc}") from exc
    checked = AgencyEntry(code, entry.name.strip(), countries, entry.channel, via,
                          entry.delivery_method, entry.endpoint_url, entry.contact.strip(),
                          entry.active)
    chain({**known, code: checked}, code)  # refuses a cycle through intermediaries
    return checked


def _check_via(code: str, entry: AgencyEntry, known: Mapping[str, AgencyEntry]) -> str | None:
    """The intermediary's code: none for a direct channel, a registered agency otherwise."""
    via = entry.via_code.strip().upper() if entry.via_code else None
    if entry.channel == "direct" and via:
        raise RegistryError(f"agency {code}: a direct channel has no intermediary (via {via})")
    if entry.channel != "direct":
        if not via:
            raise RegistryError(f"agency {code}: channel {entry.channel} needs the code of "
                                "the intermediary agency (via)")
        if via not in known or via == code:
            raise RegistryError(f"agency {code}: intermediary {via} is not in the registry")
    return via


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


# --- retention windows ---------------------------------------------------------------------

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
