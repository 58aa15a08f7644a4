"""What the server made of the stream, gathered for display and tests: bank matches of the
seeded images, the worklist (through the staff API), and routes with their deliveries.

Routes, worklist and cases are read through the API as the demo's staff user. The outbox has
no staff API yet, so deliveries are read from the database (as `tipline deliveries list`
does); what arrived is read from the demo's own test desks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from tipline.agencies.models import Agency
from tipline.banks.models import Bank
from tipline.db import Database
from tipline.delivery.models import Delivery
from tipline.demo.agencies import AGENCIES, INBOX_AGENCIES, AgencyDesk
from tipline.demo.seed import BankPlan
from tipline.demo.stream import ReportSpec
from tipline.matching.models import FileMatch
from tipline.reports.models import ReportFile

SETTLED = ("acknowledged", "superseded", "dead")


# --- bank matches ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ImageMatch:
    """How the reported copies of one seeded image fared against the banks."""

    image: int
    bank: str  # "known" or "benign"
    label: str | None
    copies: int  # files in accepted reports that are copies of the image
    matched: int  # of them, files with a match in that bank
    edits: tuple[str, ...]  # the edited copies among the matched ones
    missed: tuple[str, ...]  # the copies that did not match (their edit, or "original")


def match_outcomes(db: Database, specs: list[ReportSpec], report_ids: Mapping[int, int],
                   plan: BankPlan) -> list[ImageMatch]:
    seeded: dict[int, tuple[str, str | None]] = {
        image: ("known", label) for image, label in plan.known.items()}
    if plan.benign is not None:
        seeded[plan.benign] = ("benign", None)
    with db.sessions() as session:
        rows = session.execute(
            select(ReportFile.report_id, ReportFile.upload_name, Bank.kind)
            .join(FileMatch, FileMatch.file_id == ReportFile.id)
            .join(Bank, Bank.id == FileMatch.bank_id)
            .where(ReportFile.report_id.in_(list(report_ids.values())))).all()
    hits = {(r, name, "known" if kind == "positive" else "benign") for r, name, kind in rows}
    out = []
    for image, (bank, label) in sorted(seeded.items()):
        copies = [(report_ids[s.index], f) for s in specs if s.index in report_ids
                  for f in s.files if f.image == image]
        matched = [f for r, f in copies if (r, f.name, bank) in hits]
        edits = tuple(sorted({f.variant for f in matched} - {"original"}))
        missed = tuple(sorted({f.variant for _, f in copies if f not in matched}))
        out.append(ImageMatch(image, bank, label, len(copies), len(matched), edits, missed))
    return out


# --- the worklist ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Reason:
    points: int
    text: str
    min_level: str | None


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    level: str | None
    label: str | None
    score: int | None
    reasons: tuple[Reason, ...]
    deadline: dt.datetime | None
    reports: int
    accounts: int
    clusters: int
    known: int  # media clusters of known material
    new: int  # media clusters no bank knows
    report_ids: frozenset[int]


def worklist(http: httpx.Client) -> list[CaseRow]:
    """The worklist as the staff user sees it, each case with its summary."""
    items = http.get("/api/v1/worklist").raise_for_status().json()
    return [_case_row(item, http.get(f"/api/v1/cases/{item['case_id']}").raise_for_status()
                      .json()) for item in items]


def _case_row(item: dict[str, Any], case: dict[str, Any]) -> CaseRow:
    summary = case.get("summary") or {}
    reasons = tuple(Reason(int(r.get("points", 0)), str(r.get("reason", "")),
                           r.get("min_level")) for r in item["reasons"])
    return CaseRow(item["case_id"], item["level"], item.get("label"), item["score"], reasons,
                   _time(item["deadline"]), item["reports"], len(summary.get("accounts", [])),
                   int(summary.get("media_clusters", 0)), int(summary.get("known_clusters", 0)),
                   int(summary.get("new_clusters", 0)),
                   frozenset(int(r["report_id"]) for r in case.get("reports", [])))


def _time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# --- the outbox ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    """One outbox row: one version of one case for one agency."""

    delivery_id: int
    case_id: int
    agency: str
    key: str
    status: str
    attempts: int
    last_error: str | None


def outbox(db: Database, since: dt.datetime) -> list[Sent]:
    with db.sessions() as session:
        rows = session.execute(
            select(Delivery, Agency.code).join(Agency, Agency.id == Delivery.agency_id)
            .where(Delivery.created_at >= since).order_by(Delivery.id)).all()
    return [Sent(d.id, d.case_id, code, d.idempotency_key, d.status, d.attempts, d.last_error)
            for d, code in rows]


def desk_of(agency: str) -> str | None:
    return next((a.desk for a in AGENCIES if a.code == agency), None)


def in_inbox(sent: Sent) -> bool:
    """Ready in the agency inbox: it waits for a person of the agency, not for the demo."""
    return sent.agency in INBOX_AGENCIES and sent.status in ("pending", "delivered")


def unsettled(rows: Iterable[Sent], desks: Iterable[str] | None = None) -> list[Sent]:
    """Deliveries still on their way (to these desks' agencies, or to any)."""
    wanted = set(desks) if desks is not None else None
    return [s for s in rows if s.status not in SETTLED and not in_inbox(s)
            and (wanted is None or desk_of(s.agency) in wanted)]


# --- routes and what arrived ------------------------------------------------------------------

@dataclass(frozen=True)
class RouteRow:
    case_id: int
    agency: str
    chain: tuple[str, ...]
    deadline: dt.datetime | None
    deadline_note: str  # why this deadline: country, retention window, assumed or not
    at_risk: bool
    status: str  # of the delivery of the case's current version
    delivered: int  # versions of the case acknowledged by the agency as the case grew
    replaced: int  # versions replaced by a newer one before they could be delivered
    attempts: int  # attempts over all versions (failed ones included)
    arrived: bool  # the desk applied the current version, signature checked
    version_ok: bool  # the desk recomputed the version from the content
    repeats: int  # packages the desk received again after applying them
    inbox: bool  # the agency works in tipline's inbox: the package waits there for it


def routes(http: httpx.Client, cases: Iterable[int], sent: list[Sent],
           desks: Mapping[str, AgencyDesk]) -> list[RouteRow]:
    rows = []
    for case_id in cases:
        for route in http.get(f"/api/v1/cases/{case_id}/routes").raise_for_status().json():
            rows.append(_route_row(route, [s for s in sent if s.case_id == route["case_id"]
                                           and s.agency == route["agency"]], desks))
    return rows


def _route_row(route: dict[str, Any], sent: list[Sent], desks: Mapping[str, AgencyDesk]
               ) -> RouteRow:
    live = [s for s in sent if s.status != "superseded"]
    current = live[-1] if live else None
    desk = desks.get(desk_of(route["agency"]) or "")
    got = desk.applied.get(current.key) if desk and current else None
    repeats = sum(desk.repeats[s.key] for s in sent) if desk else 0
    return RouteRow(
        route["case_id"], route["agency"], tuple(route["channel_chain"]),
        _time(route["deadline"]), deadline_note(route["deadline_basis"]), route["at_risk"],
        current.status if current else "not queued",
        sum(1 for s in sent if s.status == "acknowledged"),
        sum(1 for s in sent if s.status == "superseded"), sum(s.attempts for s in sent),
        got is not None, bool(got and got.version_ok), repeats,
        route["agency"] in INBOX_AGENCIES)


def deadline_note(basis: Mapping[str, Any]) -> str:
    if "country" not in basis:
        return "no timed IP capture in its countries"
    days = basis.get("retention_days")
    where = f"first {basis['country']} IP + {days} d"
    return where + (", window assumed" if basis.get("assumed") else "")


@dataclass(frozen=True)
class DeliveryTotals:
    packages: int  # versions queued
    acknowledged: int
    superseded: int  # replaced by a newer version of the case before they were sent
    waiting: int
    dead: int
    failed_attempts: int
    applied: int  # packages the desks applied
    repeats: int
    bad_signatures: int
    in_inbox: int  # packages waiting in an agency's inbox for a person to acknowledge


def totals(sent: list[Sent], desks: Mapping[str, AgencyDesk]) -> DeliveryTotals:
    def count(status: str) -> int:
        return sum(1 for s in sent if s.status == status)

    acknowledged = count("acknowledged")
    return DeliveryTotals(
        len(sent), acknowledged, count("superseded"), len(unsettled(sent)), count("dead"),
        sum(s.attempts for s in sent) - acknowledged,
        sum(len(d.applied) for d in desks.values()),
        sum(sum(d.repeats.values()) for d in desks.values()),
        sum(d.bad_signatures for d in desks.values()), sum(1 for s in sent if in_inbox(s)))
