"""Pure extraction of the queryable facts from a report document (JSON shape of the schema).

Nothing here touches the database: the service turns these plain values into rows.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

PARTY_SECTIONS = (
    ("personOrUserReported", "reported", "personOrUserReportedPerson"),
    ("intendedRecipient", "recipient", "intendedRecipientPerson"),
    ("victim", "victim", "victimPerson"),
)


@dataclass(frozen=True)
class IdentifierFact:
    role: str
    kind: str
    value: str


@dataclass(frozen=True)
class IpFact:
    role: str
    ip: str
    event_name: str | None
    at: dt.datetime | None
    possible_proxy: bool | None
    port: int | None


@dataclass
class ReportFacts:
    incident_type: str
    incident_at: dt.datetime | None
    platform: str | None
    escalate: bool
    annotations: list[str]
    identifiers: list[IdentifierFact] = field(default_factory=list)
    ip_events: list[IpFact] = field(default_factory=list)


def parse_datetime(value: Any) -> dt.datetime | None:
    """xs:dateTime to an aware UTC datetime; a value without a zone is taken as UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def text(value: Any) -> str | None:
    """The text of a simple element that may carry attributes (`{"value": ..., "@x": ...}`)."""
    if isinstance(value, dict):
        value = value.get("value")
    if value is None:
        return None
    return str(value).strip() or None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str, calling_code: str | None = None) -> str:
    digits = re.sub(r"[^0-9]", "", value)
    prefix = re.sub(r"[^0-9]", "", calling_code or "")
    if value.strip().startswith("+") or not prefix:
        return "+" + digits if value.strip().startswith("+") else digits
    return f"+{prefix}{digits}"


def normalise_ip(value: str) -> str:
    """Canonical text of an IP address (so `::ffff:0:1` and friends compare equal)."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return value.strip()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def account_key(service: str | None, identifier: str) -> str:
    """Accounts are only unique within a service, so the key carries the service."""
    return f"{(service or '').strip().lower()}|{identifier.strip()}"


def ip_facts(events: Any, role: str) -> Iterator[IpFact]:
    for event in as_list(events):
        ip = text(event.get("ipAddress"))
        if ip:
            yield IpFact(
                role=role,
                ip=normalise_ip(ip),
                event_name=text(event.get("eventName")),
                at=parse_datetime(event.get("dateTime")),
                possible_proxy=event.get("possibleProxy"),
                port=event.get("port"),
            )


def device_facts(devices: Any, role: str) -> Iterator[IdentifierFact]:
    for device in as_list(devices):
        kind, value = text(device.get("idType")), text(device.get("idValue"))
        if kind and value:
            yield IdentifierFact(role, "device", f"{kind.lower()}:{value}")


def person_facts(person: Any, role: str) -> Iterator[IdentifierFact]:
    if not isinstance(person, dict):
        return
    for email in as_list(person.get("email")):
        if value := text(email):
            yield IdentifierFact(role, "email", normalise_email(value))
    for phone in as_list(person.get("phone")):
        if value := text(phone):
            code = phone.get("@countryCallingCode") if isinstance(phone, dict) else None
            yield IdentifierFact(role, "phone", normalise_phone(value, code))


def party_facts(party: dict[str, Any], role: str, person_key: str,
                default_service: str | None) -> Iterator[IdentifierFact]:
    service = text(party.get("espService")) or default_service
    if identifier := text(party.get("espIdentifier")):
        yield IdentifierFact(role, "account", account_key(service, identifier))
    if screen_name := text(party.get("screenName")):
        yield IdentifierFact(role, "screen_name", account_key(service, screen_name.lower()))
    for url in as_list(party.get("profileUrl")):
        if value := text(url):
            yield IdentifierFact(role, "url", value)
    yield from person_facts(party.get(person_key), role)
    yield from device_facts(party.get("deviceId"), role)


def incident_facts(details: list[Any]) -> Iterator[IdentifierFact | IpFact]:
    for detail in details:
        for url in as_list(detail.get("webPageIncident", {}).get("url")):
            if value := text(url):
                yield IdentifierFact("incident", "url", value)
        for email in as_list(detail.get("emailIncident", {}).get("emailAddress")):
            if value := text(email):
                yield IdentifierFact("incident", "email", normalise_email(value))
        phone = text(detail.get("cellPhoneIncident", {}).get("phoneNumber"))
        if phone:
            yield IdentifierFact("incident", "phone", normalise_phone(phone))
        yield from ip_facts(detail.get("peer2peerIncident", {}).get("ipCaptureEvent"), "incident")


def report_facts(document: dict[str, Any]) -> ReportFacts:
    summary = document.get("incidentSummary", {})
    platform = text(summary.get("platform"))
    annotations = summary.get("reportAnnotations") or {}
    facts = ReportFacts(
        incident_type=text(summary.get("incidentType")) or "",
        incident_at=parse_datetime(summary.get("incidentDateTime")),
        platform=platform,
        escalate=bool(text(summary.get("escalateToHighPriority"))),
        annotations=sorted(k for k, v in annotations.items() if v),
    )
    for section, role, person_key in PARTY_SECTIONS:
        for party in as_list(document.get(section)):
            facts.identifiers.extend(party_facts(party, role, person_key, platform))
            facts.ip_events.extend(ip_facts(party.get("ipCaptureEvent"), role))
    for fact in incident_facts(as_list(document.get("internetDetails"))):
        (facts.ip_events if isinstance(fact, IpFact) else facts.identifiers).append(fact)  # type: ignore[arg-type]
    facts.identifiers = list(dict.fromkeys(facts.identifiers))
    return facts


@dataclass
class FileFacts:
    file_name: str | None
    viewed_by_reporter: bool | None
    exif_viewed_by_reporter: bool | None
    publicly_available: bool | None
    relevance: str | None
    industry_classification: str | None
    annotations: list[str]
    original_hashes: list[tuple[str, str]]
    ip_events: list[IpFact]
    identifiers: list[IdentifierFact]


def file_facts(details: dict[str, Any]) -> FileFacts:
    annotations = details.get("fileAnnotations") or {}
    flags = sorted(k for k, v in annotations.items() if v)
    if details.get("potentialMeme"):
        flags.append("potentialMeme")
    hashes = []
    for entry in as_list(details.get("originalFileHash")):
        value = text(entry)
        kind = entry.get("@hashType") if isinstance(entry, dict) else None
        if value:
            hashes.append(((kind or "unknown").lower(), value.lower()))
    return FileFacts(
        file_name=text(details.get("fileName")) or text(details.get("originalFileName")),
        viewed_by_reporter=details.get("fileViewedByEsp"),
        exif_viewed_by_reporter=details.get("exifViewedByEsp"),
        publicly_available=details.get("publiclyAvailable"),
        relevance=text(details.get("fileRelevance")),
        industry_classification=text(details.get("industryClassification")),
        annotations=flags,
        original_hashes=hashes,
        ip_events=list(ip_facts(details.get("ipCaptureEvent"), "file")),
        identifiers=list(device_facts(details.get("deviceId"), "file")),
    )
