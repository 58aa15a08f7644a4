"""Pure rules of notice and takedown: assessments, who gets a notice, what a re-check means,
the escalation ladder, the notice's text and the time-to-removal figures."""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tipline.errors import Invalid

ASSESSMENTS = {"baseline": "illegal everywhere (INTERPOL Baseline)",
               "national": "illegal in this jurisdiction",
               "not_illegal": "not illegal"}
ILLEGAL = ("baseline", "national")
# What a re-check can see. Only the first three count towards removal.
GONE = ("gone", "no_dns", "refused")
UP, ERROR = "up", "error"
REMOVED_AFTER = 2  # removal-like answers in a row
PARTIES = ("provider", "upstream", "hotline", "police")
WITHIN_HOURS = (24, 72, 168)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Party:
    party: str  # provider | upstream | hotline | police
    name: str
    channel: str  # email | webhook
    contact: str


def check_assessment(value: str) -> str:
    if value not in ASSESSMENTS:
        raise Invalid(f"assessment must be one of {', '.join(ASSESSMENTS)}")
    return value


def status_after_assessment(assessment: str, police_first: bool) -> str:
    if assessment not in ILLEGAL:
        return "not_illegal"
    return "held" if police_first else "illegal"


def first_recipient(country: str | None, centre_country: str, provider: Party | None,
                    hotline: Party | None) -> Party | None:
    """The provider when the host is in the centre's own country; else the hotline of the
    host's country when there is one; else the provider directly."""
    if country and country == centre_country and provider:
        return provider
    if hotline is not None and country != centre_country:
        return hotline
    return provider


def ladder_step(hours_since_first_notice: float, ladder_hours: Sequence[float]) -> int:
    """0: the first recipient; 1: the provider's upstream or registrar; 2: the hotline or
    the police. Each step after its configured number of hours."""
    return sum(1 for hours in ladder_hours[:2] if hours_since_first_notice >= hours)


def removed(streak: int) -> bool:
    return streak >= REMOVED_AFTER


def next_streak(streak: int, seen: str) -> int:
    return streak + 1 if seen in GONE else 0


def status_meaning(status: int) -> str:
    return "gone" if status in (404, 410) else UP


def provider_matches(addresses: Sequence[str], host: str, ranges: Sequence[str],
                     domains: Sequence[str]) -> bool:
    for domain in domains:
        domain = domain.lower().strip(".")
        if host == domain or host.endswith("." + domain):
            return True
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        for block in ranges:
            try:
                if ip in ipaddress.ip_network(block, strict=False):
                    return True
            except ValueError:
                continue
    return False


def check_ranges(ranges: Sequence[str]) -> list[str]:
    checked = []
    for block in ranges:
        try:
            checked.append(str(ipaddress.ip_network(block.strip(), strict=False)))
        except ValueError as exc:
            raise Invalid(f"{block!r} is not an address range: {exc}") from exc
    return checked


def check_contact(channel: str, contact: str) -> str:
    """An e-mail address for the e-mail channel, an http(s) URL for webhooks (the outbound
    address policy is applied again to every request)."""
    contact = contact.strip()
    if channel == "email" and not EMAIL.fullmatch(contact):
        raise Invalid(f"{contact!r} is not an e-mail address")
    if channel == "webhook":
        parts = urlsplit(contact)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise Invalid(f"{contact!r} is not an http(s) URL for a webhook")
    return contact


def notice_text(url: str, reason: str, legal_basis: str, sender: str, level: int,
                first_sent: dt.datetime | None) -> tuple[str, str]:
    """Subject and body with what a notice must carry: the exact URL, the reasons, the legal
    basis, a statement of good faith and the sender."""
    again = f" (reminder {level}, first notice {first_sent:%Y-%m-%d %H:%M} UTC)" \
        if first_sent else ""
    subject = f"Notice of child sexual abuse material{again}: {url}"[:300]
    body = "\n".join([
        "This is a notice of child sexual abuse material hosted on your service.",
        "", f"Exact location: {url}", f"Reasons: {reason}", f"Legal basis: {legal_basis}",
        "", "We have assessed this content and state in good faith that the information in "
        "this notice is accurate and complete. Please remove or disable access to it "
        "expeditiously. Do not open the content unless your procedures require it.",
        "", f"Sender: {sender}",
    ])
    return subject, body


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def removal_summary(hours: Sequence[float], open_count: int) -> dict[str, float | int | None]:
    """p50, p90 and shares removed within 24 h, 72 h and 7 days of the noticed URLs (the
    open ones count in the shares' denominators: a URL still up was not removed in time)."""
    total = len(hours) + open_count
    summary: dict[str, float | int | None] = {
        "noticed": total, "removed": len(hours),
        "p50_hours": percentile(hours, 50), "p90_hours": percentile(hours, 90)}
    for limit in WITHIN_HOURS:
        within = sum(1 for h in hours if h <= limit)
        summary[f"within_{limit}h"] = round(within / total, 4) if total else None
    return summary
