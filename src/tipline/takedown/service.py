"""Domain logic of notice and takedown (never commits): taking URLs in, assessing them,
placing their hosts, planning notices along the ladder and recording re-checks."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.errors import Conflict, NotFound
from tipline.routing.geo import CountryLookup
from tipline.settings import Settings
from tipline.takedown import rules, store
from tipline.takedown.models import Hotline, Notice, Provider, TakedownUrl, UrlEvent, UrlSighting
from tipline.takedown.schemas import HotlineIn, ProviderIn
from tipline.takedown.urls import NormalUrl, UrlRefused, normalise, strip_credentials

TAKE_IN_BATCH = 500


@dataclass(frozen=True)
class Policy:
    """What the takedown rules need of the settings."""

    centre_country: str = ""
    police_first: bool = False
    sender: str = "tipline"
    legal_basis: str = ""
    allow_loopback: bool = False
    recheck: dt.timedelta = dt.timedelta(hours=1)
    renotice: dt.timedelta = dt.timedelta(hours=24)
    ladder_hours: Sequence[float] = field(default=(72.0, 168.0))


def event(session: Session, url_id: int, kind: str, detail: str, at: dt.datetime,
          actor: str = "tipline") -> None:
    session.add(UrlEvent(url_id=url_id, kind=kind, detail=detail[:4000], at=at, actor=actor))


def normal_or_refused(raw: str, allow_loopback: bool) -> NormalUrl:
    """The normalised URL; one that cannot be (not http(s), no host) is kept as given
    (credentials removed) with the reason, and is never contacted."""
    try:
        return normalise(raw, allow_loopback)
    except UrlRefused as exc:
        return NormalUrl(strip_credentials(raw), "", exc.message, ())


def record_url(session: Session, normal: NormalUrl, given: str, now: dt.datetime, *,
               report_id: int | None = None, identifier_id: int | None = None,
               public_report_id: int | None = None) -> int:
    digest = hashlib.sha256(normal.url.encode()).hexdigest()
    url_id = store.insert_url(session, {
        "url": normal.url, "digest": digest, "host": normal.host, "refusal": normal.refusal,
        "notes": list(normal.notes), "status": "new", "first_seen_at": now,
        "down_streak": 0, "level": 0, "addresses": []})
    session.add(UrlSighting(url_id=url_id, report_id=report_id, identifier_id=identifier_id,
                            public_report_id=public_report_id,
                            given=strip_credentials(given), at=now))
    source = f"report {report_id}" if report_id else f"public report {public_report_id}"
    event(session, url_id, "seen", f"named by {source}", now)
    return url_id


def take_in_report_urls(session: Session, allow_loopback: bool, now: dt.datetime,
                        after: int = 0, limit: int = TAKE_IN_BATCH) -> int:
    """Record the URLs reports named (written by the intake stage) not yet taken in, among
    identifiers numbered above `after`."""
    found = store.new_report_urls(session, limit, after)
    for identifier_id, report_id, value in found:
        record_url(session, normal_or_refused(value, allow_loopback), value, now,
                   report_id=report_id, identifier_id=identifier_id)
    return len(found)


def url(session: Session, url_id: int) -> TakedownUrl:
    found = session.get(TakedownUrl, url_id)
    if found is None:
        raise NotFound("no such URL")
    return found


def known_content(session: Session, url_ids: Sequence[int]) -> set[int]:
    """URLs whose case already holds matched (known) media: nobody needs to view them."""
    return {url_id for url_id, cases in store.cases_of(session, url_ids).items()
            if any((c.summary or {}).get("known_clusters", 0) for c in cases)}


def assess(session: Session, row: TakedownUrl, assessment: str, actor: str,
           jurisdiction: str, policy: Policy, now: dt.datetime) -> None:
    rules.check_assessment(assessment)
    if row.status in ("noticed", "removed"):
        raise Conflict(f"this URL is already {row.status}; its assessment stays")
    row.assessment, row.assessed_by, row.jurisdiction = assessment, actor, jurisdiction or None
    row.status = rules.status_after_assessment(assessment, policy.police_first)
    event(session, row.id, "assessed", f"{assessment}: {rules.ASSESSMENTS[assessment]}"
          + (" (held for the police first)" if row.status == "held" else ""), now, actor)
    if row.status == "illegal" and row.refusal:
        event(session, row.id, "no_recipient", f"never contacted ({row.refusal}): no notice "
              "is sent; refer it to the police", now)
    elif row.status == "illegal":
        row.next_notice_at = now


def release_hold(session: Session, row: TakedownUrl, actor: str, agency: str,
                 now: dt.datetime) -> None:
    if row.status != "held":
        raise Conflict("this URL is not held for the police")
    row.status, row.next_notice_at = "illegal", now
    event(session, row.id, "hold_released", f"{agency or 'the agency'} agreed to a notice",
          now, actor)


def place(session: Session, row: TakedownUrl, addresses: Sequence[str],
          lookup: CountryLookup, providers: Sequence[Provider], now: dt.datetime) -> None:
    """Record where the host is: its addresses, their country and the provider (the first
    of `providers`, the registry, matching its name or an address)."""
    row.addresses = list(addresses)
    countries = [c for c in (lookup.country(a) for a in addresses) if c]
    row.country = countries[0] if countries else None
    provider = next((p for p in providers
                     if rules.provider_matches(addresses, row.host, p.ranges, p.domains)), None)
    row.provider_id = provider.id if provider else None
    row.located_at = now
    event(session, row.id, "located",
          f"{', '.join(addresses) or 'no address'}; country {row.country or 'unknown'}; "
          f"provider {provider.name if provider else 'unknown'}", now)


def _party(kind: str, p: Provider | None) -> rules.Party | None:
    return rules.Party(kind, p.name, p.channel, p.contact) if p else None


def recipient(session: Session, row: TakedownUrl, level: int, policy: Policy
              ) -> rules.Party | None:
    """Who gets the notice at this step of the ladder."""
    provider = session.get(Provider, row.provider_id) if row.provider_id else None
    line = store.hotline_for(session, row.country)
    hotline = rules.Party("hotline", line.name, line.channel, line.contact) if line else None
    if level <= 0:
        return rules.first_recipient(row.country, policy.centre_country,
                                     _party("provider", provider), hotline)
    if level == 1:
        upstream = session.get(Provider, provider.upstream_id) \
            if provider and provider.upstream_id else None
        return _party("upstream", upstream) or _party("provider", provider) or hotline
    return hotline  # the last step: the hotline, else nobody (the police, by hand)


def plan_notice(session: Session, row: TakedownUrl, policy: Policy, now: dt.datetime
                ) -> Notice | None:
    """The next notice of an illegal (or still-noticed) URL, queued; None when there is
    nobody to send it to (recorded in the history)."""
    first = store.first_notice(session, row.id)
    hours = (now - first.created_at).total_seconds() / 3600 if first else 0.0
    level = rules.ladder_step(hours, policy.ladder_hours)
    party = recipient(session, row, level, policy)
    row.next_notice_at = now + policy.renotice
    if party is None or not party.contact:
        event(session, row.id, "no_recipient", f"nobody to notify at step {level}: no "
              "provider, upstream or hotline is known; refer it to the police", now)
        return None
    if level > row.level:
        event(session, row.id, "escalated", f"step {level}: {party.party} {party.name}", now)
        row.level = level
    reason = rules.ASSESSMENTS.get(row.assessment or "", "assessed illegal")
    subject, body = rules.notice_text(row.url, reason, policy.legal_basis, policy.sender,
                                      store.notice_count(session, row.id),
                                      first.created_at if first else None)
    notice = Notice(url_id=row.id, party=party.party, recipient=party.name,
                    channel=party.channel, contact=party.contact, subject=subject, body=body,
                    level=level, status="queued", attempts=0, available_at=now, created_at=now)
    session.add(notice)
    if row.status == "illegal":
        row.status, row.noticed_at, row.notice_channel = "noticed", now, party.channel
        row.next_check_at = now + policy.recheck
    event(session, row.id, "notice_queued", f"{party.party} {party.name} by {party.channel}",
          now)
    return notice


def record_check(session: Session, row: TakedownUrl, seen: str, detail: str,
                 policy: Policy, now: dt.datetime) -> None:
    if row.status != "noticed":
        return  # assessed again or removed meanwhile: nothing to record
    row.down_streak = rules.next_streak(row.down_streak, seen)
    row.last_seen_status = f"{seen}: {detail}"[:40]
    event(session, row.id, "checked", f"{seen} ({detail})", now)
    if rules.removed(row.down_streak):
        row.status, row.removed_at = "removed", now
        row.next_check_at = row.next_notice_at = None
        event(session, row.id, "removed", f"{rules.REMOVED_AFTER} checks in a row: {seen}", now)
    else:
        row.next_check_at = now + policy.recheck


def policy_from(settings: Settings) -> Policy:
    return Policy(
        centre_country=settings.takedown_centre_country.upper(),
        police_first=settings.takedown_police_first, sender=settings.takedown_sender,
        legal_basis=settings.takedown_legal_basis,
        allow_loopback=settings.outbound_allow_loopback,
        recheck=dt.timedelta(minutes=settings.takedown_recheck_minutes),
        renotice=dt.timedelta(hours=settings.takedown_renotice_hours),
        ladder_hours=tuple(settings.takedown_escalation_hours))


def add_provider(session: Session, given: ProviderIn) -> int:
    if session.scalar(select(Provider.id).where(Provider.name == given.name)) is not None:
        raise Conflict(f"a provider named {given.name!r} exists")
    upstream = None
    if given.upstream:
        upstream = session.scalar(select(Provider.id).where(Provider.name == given.upstream))
        if upstream is None:
            raise NotFound(f"no provider named {given.upstream!r} (add the upstream first)")
    provider = Provider(name=given.name, country=(given.country or "").upper() or None,
                        ranges=rules.check_ranges(given.ranges),
                        domains=[d.strip().lower().strip(".") for d in given.domains
                                 if d.strip()],
                        channel=given.channel,
                        contact=rules.check_contact(given.channel, given.contact),
                        upstream_id=upstream)
    session.add(provider)
    session.flush()
    return provider.id


def add_hotline(session: Session, given: HotlineIn) -> int:
    country = given.country.upper()
    if store.hotline_for(session, country) is not None:
        raise Conflict(f"{country} already has a hotline")
    hotline = Hotline(country=country, name=given.name, channel=given.channel,
                      contact=rules.check_contact(given.channel, given.contact))
    session.add(hotline)
    session.flush()
    return hotline.id
