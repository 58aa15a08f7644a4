"""Pure rules of case linking: which shared facts link reports, and what a case summary says."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tipline.errors import Invalid

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


# --- casework: statuses, transitions, closing reasons, holding (pure) ------------------------

STATUSES = ("new", "in_review", "referred", "waiting_for_outcome", "closed")
# Where a case may go from each status. Closing needs a closing reason; leaving `closed`
# (reopening) needs a reason in words.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"in_review", "referred", "closed"}),
    "in_review": frozenset({"new", "referred", "waiting_for_outcome", "closed"}),
    "referred": frozenset({"in_review", "waiting_for_outcome", "closed"}),
    "waiting_for_outcome": frozenset({"in_review", "referred", "closed"}),
    "closed": frozenset({"in_review"}),
}
CLOSING_REASONS: dict[str, str] = {
    "referred_acknowledged": "referred and acknowledged by the agency",
    "outcome_received": "outcome received from the agency",
    "no_lead": "no lead / insufficient information",
    "duplicate": "duplicate of another case",
    "not_illegal": "not illegal",
    "outside_mandate": "outside the centre's mandate",
    "reported_in_error": "reported in error or retracted",
}
QUEUE_STATUSES = ("new", "in_review")  # what `take next` hands out unless asked otherwise
MAX_NOTE_CHARS = 20_000


class CaseworkError(Invalid):
    """A casework request that breaks a rule of the domain (400)."""


def check_transition(current: str, target: str, closing_reason: str | None,
                     reason: str | None) -> None:
    """Raise `CaseworkError` unless a case may go from `current` to `target` as asked."""
    if target not in STATUSES:
        raise CaseworkError(f"unknown status {target!r}: use one of {', '.join(STATUSES)}")
    if target == current:
        raise CaseworkError(f"the case is already {current}")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        raise CaseworkError(f"a {current} case cannot become {target}; it may become {allowed}")
    if target == "closed" and closing_reason not in CLOSING_REASONS:
        raise CaseworkError("closing needs a closing_reason, one of "
                            + ", ".join(CLOSING_REASONS))
    if target != "closed" and closing_reason is not None:
        raise CaseworkError("a closing_reason is given only when closing")
    if current == "closed" and not (reason or "").strip():
        raise CaseworkError("reopening a closed case needs a reason")


def check_note(text: str) -> str:
    text = text.strip()
    if not text:
        raise CaseworkError("a note needs text")
    if len(text) > MAX_NOTE_CHARS:
        raise CaseworkError(f"a note holds at most {MAX_NOTE_CHARS} characters")
    return text


def held_by_other(owner_id: int | None, lease_until: dt.datetime | None, user_id: int,
                  now: dt.datetime) -> bool:
    """Whether someone else holds the case now: an owner with a live lease, or one assigned
    (no lease: held until released). An expired lease holds nobody."""
    if owner_id is None or owner_id == user_id:
        return False
    return lease_until is None or lease_until > now


def components(reports: Iterable[int], links: Iterable[tuple[int, int]]) -> list[set[int]]:
    """The groups of reports the links connect (links to reports outside are ignored),
    the group holding the smallest report id first."""
    members = set(reports)
    parent = {r: r for r in members}

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for a, b in links:
        if a in members and b in members:
            parent[root(a)] = root(b)
    groups: dict[int, set[int]] = {}
    for r in members:
        groups.setdefault(root(r), set()).add(r)
    return sorted(groups.values(), key=min)
