"""Report quality: what a report lacks or gets wrong, and a score from 0 to 100.

Pure functions. The checks follow what police say they need to act on a report: an incident
time, someone reported who can be identified, IP capture events with times (the lead that
expires), files that are described, and dates that make sense. Each issue names the field and
says what to fix, so a reporter can improve its integration from the finish response alone.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import asdict, dataclass
from typing import Any

from tipline.reports.normalize import FileFacts, ReportFacts, as_list

PENALTY = {"error": 20, "warning": 8, "info": 2}
FUTURE_TOLERANCE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str  # error | warning | info
    path: str
    message: str


@dataclass(frozen=True)
class FileView:
    file_id: str
    described: bool
    facts: FileFacts | None
    uploaded_to_reporter_at: dt.datetime | None = None


@dataclass(frozen=True)
class Quality:
    score: int
    issues: list[Issue]

    def as_json(self) -> dict[str, Any]:
        return {"score": self.score, "issues": [asdict(i) for i in self.issues]}


def assess(report: ReportFacts, document: dict[str, Any], files: list[FileView],
           now: dt.datetime) -> Quality:
    issues = [
        *_time_issues(report, files, now),
        *_party_issues(report, document),
        *_ip_issues(report, files),
        *_file_issues(report, document, files),
    ]
    score = max(0, 100 - sum(PENALTY[i.severity] for i in issues))
    return Quality(score, issues)


def _time_issues(report: ReportFacts, files: list[FileView], now: dt.datetime) -> list[Issue]:
    issues = []
    limit = now + FUTURE_TOLERANCE
    if report.incident_at is None:
        issues.append(Issue("incident_time_missing", "error", "incidentSummary.incidentDateTime",
                            "give the time of the incident as an ISO 8601 date-time"))
    elif report.incident_at > limit:
        issues.append(Issue("incident_time_future", "error", "incidentSummary.incidentDateTime",
                            f"the incident time {report.incident_at.isoformat()} is in the future"))
    for event in report.ip_events:
        if event.at and event.at > limit:
            issues.append(Issue("ip_time_future", "error", f"ipCaptureEvent[{event.ip}].dateTime",
                                f"the capture time {event.at.isoformat()} is in the future"))
    for view in files:
        for event in view.facts.ip_events if view.facts else []:
            if event.at and event.at > limit:
                issues.append(Issue("ip_time_future", "error", f"file[{view.file_id}]",
                                    f"the capture time {event.at.isoformat()} is in the future"))
        if view.uploaded_to_reporter_at and view.uploaded_to_reporter_at > limit:
            issues.append(Issue("upload_time_future", "error",
                                f"file[{view.file_id}].uploadedToEspTimestamp",
                                "the time the file was uploaded to the platform is in the future"))
    return issues


def _party_issues(report: ReportFacts, document: dict[str, Any]) -> list[Issue]:
    parties = as_list(document.get("personOrUserReported"))
    if not parties:
        return [Issue("no_reported_person", "warning", "personOrUserReported",
                      "name the person or account reported (espIdentifier, screenName, email)")]
    issues = []
    for index, party in enumerate(parties):
        person = party.get("personOrUserReportedPerson") or {}
        keys = ("espIdentifier", "screenName", "ipCaptureEvent", "deviceId", "profileUrl")
        if not any(party.get(k) for k in keys) and not (person.get("email") or
                                                         person.get("phone")):
            issues.append(Issue("reported_person_unidentifiable", "error",
                                f"personOrUserReported[{index}]",
                                "give at least one identifier: espIdentifier, screenName, "
                                "email, phone, device id or an IP capture event"))
        if party.get("espIdentifier") and not (party.get("espService") or report.platform):
            issues.append(Issue("account_service_missing", "info",
                                f"personOrUserReported[{index}].espService",
                                "say which service the account identifier belongs to"))
    return issues


def _ip_issues(report: ReportFacts, files: list[FileView]) -> list[Issue]:
    issues = []
    events = list(report.ip_events)
    for view in files:
        events.extend(view.facts.ip_events if view.facts else [])
    if not events:
        issues.append(Issue("no_ip_capture_event", "warning", "personOrUserReported.ipCaptureEvent",
                            "add IP capture events: without one police can rarely identify the "
                            "person, and the provider's logs expire"))
    for event in events:
        try:
            address = ipaddress.ip_address(event.ip)
        except ValueError:
            issues.append(Issue("ip_invalid", "error", f"ipCaptureEvent[{event.ip}]",
                                f"{event.ip!r} is not an IPv4 or IPv6 address"))
            continue
        if _not_public(address):
            issues.append(Issue("ip_not_public", "warning", f"ipCaptureEvent[{event.ip}]",
                                f"{event.ip} is a private or loopback address: give the public "
                                "address seen at the edge"))
        if event.at is None:
            issues.append(Issue("ip_time_missing", "warning", f"ipCaptureEvent[{event.ip}]",
                                "give the capture time: police need it to ask the provider of "
                                "the address who used it"))
    if files and not any(e.event_name == "Upload" for e in events):
        issues.append(Issue("upload_without_ip", "warning", "ipCaptureEvent.eventName",
                            "the report has files but no IP capture event of the upload "
                            "(eventName Upload)"))
    return issues


_INTERNAL = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")]


def _not_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Internal addresses a provider should not report (documentation ranges are allowed:
    they are what test and demo data use)."""
    if address.is_loopback or address.is_link_local or address.is_unspecified:
        return True
    return any(address in net for net in _INTERNAL if net.version == address.version)


def _file_issues(report: ReportFacts, document: dict[str, Any],
                 files: list[FileView]) -> list[Issue]:
    issues = []
    for view in files:
        if not view.described:
            issues.append(Issue("file_not_described", "warning", f"file[{view.file_id}]",
                                "describe this file: whether you viewed it, whether it "
                                "is publicly available, its classification (XML API: "
                                "/ispws/fileinfo; JSON API: PUT "
                                "/api/v1/reports/{id}/files/{file_id})"))
            continue
        facts = view.facts
        if facts and facts.viewed_by_reporter is None:
            issues.append(Issue("file_viewed_unknown", "warning",
                                f"file[{view.file_id}].fileViewedByEsp",
                                "say whether a person at your organisation viewed the file: "
                                "police in some countries need a warrant to open it otherwise"))
        if facts and facts.industry_classification is None:
            issues.append(Issue("file_unclassified", "info",
                                f"file[{view.file_id}].industryClassification",
                                "give the industry classification (A1, A2, B1, B2)"))
    media_types = ("Child Pornography", "Unsolicited Obscene Material")
    if not files and report.incident_type.startswith(media_types):
        has_urls = any(i.kind == "url" for i in report.identifiers)
        if not has_urls:
            issues.append(Issue("no_media", "warning", "files",
                                "the incident type concerns media, but no file or URL was given"))
    return issues
