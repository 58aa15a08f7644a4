from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.users.models import User


def by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))
