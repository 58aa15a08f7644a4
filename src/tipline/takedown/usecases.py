"""Use cases of notice and takedown: one transaction each, access applied here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline import access
from tipline.classification import jurisdictions
from tipline.db import Database, utcnow
from tipline.errors import Invalid
from tipline.settings import Settings
from tipline.takedown import figures, public, service, store
from tipline.takedown.models import PublicReport, TakedownUrl
from tipline.takedown.schemas import (
    HistoryEntry,
    HotlineIn,
    HotlineOut,
    NoticeOut,
    ProviderIn,
    ProviderOut,
    PublicReceipt,
    PublicReportIn,
    PublicStatus,
    RemovalFigures,
    Sighting,
    UrlDetail,
    UrlRow,
)
from tipline.takedown.worker import TakedownWorker
from tipline.users.service import StaffUser

STATUSES = ("new", "held", "illegal", "noticed", "removed", "not_illegal")
MAX_DAYS = 3660


def _viewer(session: Session, user: StaffUser, what: str = "see reported URLs"
            ) -> access.Viewer:
    viewer = access.staff_viewer(session, user)
    access.check_takedown(viewer, what)
    return viewer


def _rows(session: Session, found: list[TakedownUrl]) -> list[UrlRow]:
    known = service.known_content(session, [u.id for u in found])
    names = {p.id: p.name for p in store.providers(session)}
    return [UrlRow.model_validate(u).model_copy(update={
        "provider": names.get(u.provider_id or 0), "known_content": u.id in known})
        for u in found]


def list_urls(db: Database, user: StaffUser, status: str | None, limit: int,
              offset: int) -> list[UrlRow]:
    if status and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}")
    with db.sessions() as session:
        _viewer(session, user)
        return _rows(session, store.urls(session, status or None, limit, offset))


def url_detail(db: Database, user: StaffUser, url_id: int) -> UrlDetail:
    with db.sessions() as session:
        viewer = _viewer(session, user)
        row = service.url(session, url_id)
        receipts = {r.id: r.receipt for r in session.scalars(
            select(PublicReport).where(PublicReport.id.in_(
                [s.public_report_id for s in store.sightings(session, url_id)
                 if s.public_report_id])))}
        return UrlDetail(
            **_rows(session, [row])[0].model_dump(), notes=list(row.notes),
            addresses=list(row.addresses), jurisdiction=row.jurisdiction,
            assessed_by=row.assessed_by, last_seen_status=row.last_seen_status,
            level=row.level,
            cases=sorted({c.id for c in store.cases_of(session, [url_id]).get(url_id, [])}),
            sightings=[Sighting(report_id=s.report_id, given=s.given, at=s.at,
                                public_receipt=receipts.get(s.public_report_id or 0))
                       for s in store.sightings(session, url_id)],
            history=[HistoryEntry.model_validate(e) for e in store.events(session, url_id)],
            notices=[NoticeOut.model_validate(n) for n in store.notices(session, url_id)],
            verdict_table=_verdict_table(viewer.jurisdiction))


def _verdict_table(code: str) -> dict[str, str] | None:
    row = jurisdictions.lookup(code)
    if row is None:
        return None
    return {"jurisdiction": f"{row.country} ({row.code})",
            "protected age": str(row.protected_age or "unknown"),
            "drawn material": row.drawn_covered, "generated material": row.generated_covered,
            "possession an offence": row.possession_offence, "source": row.source}


def assess(db: Database, user: StaffUser, url_id: int, assessment: str,
           settings: Settings) -> UrlDetail:
    """Record the analyst's assessment (in their jurisdiction); the URL as it now stands."""
    with db.transaction() as session:
        viewer = _viewer(session, user, "assess reported URLs")
        service.assess(session, service.url(session, url_id), assessment, user.username,
                       viewer.jurisdiction, service.policy_from(settings), utcnow())
    return url_detail(db, user, url_id)


def release_hold(db: Database, user: StaffUser, url_id: int, agency: str) -> None:
    with db.transaction() as session:
        viewer = _viewer(session, user)
        access.check_takedown_registry(viewer)
        service.release_hold(session, service.url(session, url_id), user.username,
                             agency.strip()[:100], utcnow())


def providers(db: Database, user: StaffUser) -> list[ProviderOut]:
    with db.sessions() as session:
        _viewer(session, user)
        names = {p.id: p.name for p in store.providers(session)}
        return [ProviderOut(id=p.id, name=p.name, country=p.country, ranges=p.ranges,
                            domains=p.domains, channel=p.channel, contact=p.contact,
                            upstream=names.get(p.upstream_id or 0))
                for p in store.providers(session)]


def add_provider(db: Database, user: StaffUser, given: ProviderIn) -> int:
    with db.transaction() as session:
        access.check_takedown_registry(access.staff_viewer(session, user))
        return service.add_provider(session, given)


def hotlines(db: Database, user: StaffUser) -> list[HotlineOut]:
    with db.sessions() as session:
        _viewer(session, user)
        return [HotlineOut(id=h.id, country=h.country, name=h.name, channel=h.channel,
                           contact=h.contact) for h in store.hotlines(session)]


def add_hotline(db: Database, user: StaffUser, given: HotlineIn) -> int:
    with db.transaction() as session:
        access.check_takedown_registry(access.staff_viewer(session, user))
        return service.add_hotline(session, given)


def register(db: Database, given: ProviderIn | HotlineIn) -> int:
    """The operator's command line (`tipline takedown provider|hotline`): no viewer."""
    with db.transaction() as session:
        if isinstance(given, ProviderIn):
            return service.add_provider(session, given)
        return service.add_hotline(session, given)


def run_worker(worker: TakedownWorker) -> int:
    """What the takedown worker has to do now, done (the CLI's `takedown run`)."""
    return worker.run_until_idle()


def submit_public(db: Database, given: PublicReportIn, address: str,
                  settings: Settings) -> PublicReceipt:
    """A report from the public form (no login): checked whole before anything is stored."""
    if len(given.description) > settings.takedown_public_max_chars:
        raise Invalid(f"the description is longer than {settings.takedown_public_max_chars} "
                      "characters")
    allow = settings.outbound_allow_loopback
    urls = public.parse_urls(given.urls, settings.takedown_max_urls, allow)
    sender = public.sender_key(f"{settings.secret_key}:public-report", address)
    now = utcnow()
    with db.transaction() as session:
        public.check_rate(session, sender, settings.takedown_public_per_hour, now)
        receipt, secret = public.submit(session, urls, given.description.strip(),
                                        (given.contact or "").strip() or None, sender, allow,
                                        now)
    return PublicReceipt(receipt=receipt, secret=secret)


def public_status(db: Database, receipt: str, secret: str) -> PublicStatus:
    with db.sessions() as session:
        report, urls = public.status(session, receipt, secret)
        return PublicStatus(receipt=report.receipt, received_at=report.created_at, urls=urls)


def removal_figures(db: Database, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Read-only, plain data (for the transparency report): time to removal of the URLs
    first noticed in [since, until)."""
    if until <= since:
        raise Invalid("until must be after since")
    with db.sessions() as session:
        return figures.removal_figures(session, since, until).model_dump(mode="json")


def figures_for(db: Database, user: StaffUser, days: int) -> RemovalFigures:
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"days must be between 1 and {MAX_DAYS}")
    until = utcnow()
    with db.sessions() as session:
        _viewer(session, user, "read takedown figures")
        return figures.removal_figures(session, until - dt.timedelta(days=days),
                                       until + dt.timedelta(seconds=1))
