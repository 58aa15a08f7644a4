"""Queries of notice and takedown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tipline.cases.models import Case, CaseReport
from tipline.reports.models import Identifier
from tipline.takedown.models import (
    Hotline,
    Notice,
    Provider,
    PublicReport,
    TakedownUrl,
    UrlEvent,
    UrlSighting,
)


def insert_url(session: Session, values: dict[str, Any]) -> int:
    """The id of the URL with this digest, inserted when new (concurrent inserts agree)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(TakedownUrl).values(values)
                    .on_conflict_do_nothing(index_elements=["digest"]))
    found = session.scalar(select(TakedownUrl.id).where(TakedownUrl.digest == values["digest"]))
    assert found is not None
    return int(found)


def new_report_urls(session: Session, limit: int, after: int = 0
                    ) -> list[tuple[int, int, str]]:
    """(identifier id, report id, value) of report URLs not yet taken in, oldest first,
    among identifiers numbered above `after` (a range of the primary key)."""
    taken = select(UrlSighting.id).where(UrlSighting.identifier_id == Identifier.id)
    return [(r[0], r[1], r[2]) for r in session.execute(
        select(Identifier.id, Identifier.report_id, Identifier.value)
        .where(Identifier.id > after, Identifier.kind == "url", ~taken.exists())
        .order_by(Identifier.id).limit(limit))]


def last_taken_in(session: Session) -> int:
    return int(session.scalar(select(func.max(UrlSighting.identifier_id))) or 0)


def urls(session: Session, status: str | None, limit: int, offset: int) -> list[TakedownUrl]:
    stmt = select(TakedownUrl)
    if status:
        stmt = stmt.where(TakedownUrl.status == status)
    return list(session.scalars(stmt.order_by(TakedownUrl.id.desc()).limit(limit)
                                .offset(offset)))


def by_ids(session: Session, url_ids: Sequence[int]) -> dict[int, TakedownUrl]:
    return {u.id: u for u in session.scalars(
        select(TakedownUrl).where(TakedownUrl.id.in_(list(url_ids))))}


def notice_count(session: Session, url_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Notice)
                              .where(Notice.url_id == url_id)) or 0)


def sightings(session: Session, url_id: int) -> list[UrlSighting]:
    return list(session.scalars(select(UrlSighting).where(UrlSighting.url_id == url_id)
                                .order_by(UrlSighting.id)))


def cases_of(session: Session, url_ids: Sequence[int]) -> dict[int, list[Case]]:
    pairs = session.execute(
        select(UrlSighting.url_id, CaseReport.case_id)
        .join(CaseReport, CaseReport.report_id == UrlSighting.report_id)
        .where(UrlSighting.url_id.in_(list(url_ids))).distinct()).all()
    cases = {c.id: c for c in session.scalars(
        select(Case).where(Case.id.in_({case_id for _, case_id in pairs})))}
    found: dict[int, list[Case]] = {}
    for url_id, case_id in sorted(pairs):
        found.setdefault(url_id, []).append(cases[case_id])
    return found


def events(session: Session, url_id: int) -> list[UrlEvent]:
    return list(session.scalars(select(UrlEvent).where(UrlEvent.url_id == url_id)
                                .order_by(UrlEvent.id)))


def notices(session: Session, url_id: int) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.url_id == url_id)
                                .order_by(Notice.id)))


def first_notice(session: Session, url_id: int) -> Notice | None:
    return session.scalar(select(Notice).where(Notice.url_id == url_id)
                          .order_by(Notice.id).limit(1))


def notice_due(session: Session, now: dt.datetime) -> bool:
    return session.scalar(select(Notice.id).where(
        Notice.status == "queued", Notice.available_at <= now).limit(1)) is not None


def providers(session: Session) -> list[Provider]:
    return list(session.scalars(select(Provider).order_by(Provider.name)))


def hotlines(session: Session) -> list[Hotline]:
    return list(session.scalars(select(Hotline).order_by(Hotline.country)))


def hotline_for(session: Session, country: str | None) -> Hotline | None:
    if not country:
        return None
    return session.scalar(select(Hotline).where(Hotline.country == country))


def due(session: Session, column: Any, now: dt.datetime, limit: int,
        *where: ColumnElement[bool]) -> list[TakedownUrl]:
    return list(session.scalars(select(TakedownUrl).where(column <= now, *where)
                                .order_by(column, TakedownUrl.id).limit(limit)))


def unlocated(session: Session, limit: int) -> list[TakedownUrl]:
    return list(session.scalars(
        select(TakedownUrl).where(TakedownUrl.located_at.is_(None),
                                  TakedownUrl.refusal.is_(None))
        .order_by(TakedownUrl.id).limit(limit)))


def sent_recently(session: Session, sender: str, since: dt.datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(PublicReport)
                              .where(PublicReport.sender == sender,
                                     PublicReport.created_at >= since)) or 0)


def public_report(session: Session, receipt: str) -> PublicReport | None:
    return session.scalar(select(PublicReport).where(PublicReport.receipt == receipt))


def urls_of_public(session: Session, public_report_id: int) -> list[TakedownUrl]:
    return list(session.scalars(
        select(TakedownUrl).join(UrlSighting, UrlSighting.url_id == TakedownUrl.id)
        .where(UrlSighting.public_report_id == public_report_id).order_by(TakedownUrl.id)))


def noticed_between(session: Session, since: dt.datetime, until: dt.datetime
                    ) -> list[tuple[TakedownUrl, str | None]]:
    """URLs first noticed in the window, with their provider's name."""
    return [(u, name) for u, name in session.execute(
        select(TakedownUrl, Provider.name)
        .outerjoin(Provider, Provider.id == TakedownUrl.provider_id)
        .where(TakedownUrl.noticed_at >= since, TakedownUrl.noticed_at < until))]
