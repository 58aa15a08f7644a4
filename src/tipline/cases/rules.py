"""Pure rules of case linking: which shared facts link reports, and what a case summary says."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Identifiers that name one person or device. Screen names are not unique, URLs are shared by
# everyone who visits them; recipients and victims are left out so that two offenders who
# target the same child are not merged into one case (they stay linkable by other keys).
LINK_KINDS = ("account", "email", "phone", "device")
LINK_ROLES = ("reported", "incident", "file")


def identifier_key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def cluster_key(cluster_id: int) -> str:
    return f"cluster:{cluster_id}"


@dataclass(frozen=True)
class IpUse:
    """One IP capture event, with the reported accounts of its report (to tell a shared
    address from one person's)."""

    report_id: int
    ip: str
    at: dt.datetime | None
    proxy: bool
    accounts: tuple[str, ...] = ()

    @property
    def users(self) -> tuple[str, ...]:
        # A report without an account still counts as one user of the address.
        return self.accounts or (f"report:{self.report_id}",)


def ip_links(mine: Iterable[IpUse], others: Iterable[IpUse], window: dt.timedelta,
             max_accounts: int) -> dict[int, set[str]]:
    """Reports linked to this one by IP: the same address within `window` of one of this
    report's events, neither event marked as a possible proxy, and the address not shared.

    An address is shared when more than `max_accounts` distinct accounts used it within the
    window around this event (carrier-grade NAT, a café, a university): it then says nothing
    about who the person is and links nobody.
    """
    others = list(others)
    links: dict[int, set[str]] = {}
    for event in mine:
        if event.proxy or event.at is None:
            continue
        near = [o for o in others if o.ip == event.ip and o.at is not None
                and abs(o.at - event.at) <= window]
        users = set(event.users).union(*(o.users for o in near))
        if len(users) > max_accounts:
            continue
        for other in near:
            if other.report_id != event.report_id and not other.proxy:
                links.setdefault(other.report_id, set()).add(f"ip:{event.ip}")
    return links


@dataclass(frozen=True)
class ReportFacts:
    """What the summary needs of one report of a case."""

    report_id: int
    incident_type: str
    annotations: tuple[str, ...]
    seen: dt.datetime
    reporter_country: str | None
    accounts: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    clusters: dict[int, bool] = field(default_factory=dict)  # cluster id -> known material


def summarize(reports: list[ReportFacts]) -> dict[str, Any]:
    """The case at a glance, recomputed whenever the case changes."""
    clusters: dict[int, bool] = {}
    for r in reports:
        clusters.update(r.clusters)
    seen = [r.seen for r in reports]
    return {
        "reports": len(reports),
        "media_clusters": len(clusters),
        "known_clusters": sum(1 for known in clusters.values() if known),
        "new_clusters": sum(1 for known in clusters.values() if not known),
        "accounts": sorted({a for r in reports for a in r.accounts}),
        "emails": sorted({e for r in reports for e in r.emails}),
        # IP geolocation comes with routing; until then only reporters' countries are known.
        "countries": {
            "reporters": sorted({r.reporter_country for r in reports if r.reporter_country}),
            "ip_addresses": [],
        },
        "incident_types": dict(sorted(Counter(r.incident_type for r in reports).items())),
        "annotations": dict(sorted(Counter(a for r in reports for a in r.annotations).items())),
        "first_seen": min(seen).isoformat() if seen else None,
        "last_seen": max(seen).isoformat() if seen else None,
    }


def seen_bounds(reports: list[ReportFacts]) -> tuple[dt.datetime | None, dt.datetime | None]:
    seen = [r.seen for r in reports]
    return (min(seen), max(seen)) if seen else (None, None)
