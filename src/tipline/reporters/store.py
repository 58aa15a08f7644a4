from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.reporters.models import Reporter


def by_username(session: Session, username: str) -> Reporter | None:
    return session.scalar(select(Reporter).where(Reporter.username == username))


def by_name(session: Session, name: str) -> Reporter | None:
    return session.scalar(select(Reporter).where(Reporter.name == name))


def all_reporters(session: Session) -> list[Reporter]:
    return list(session.scalars(select(Reporter).order_by(Reporter.id)))
