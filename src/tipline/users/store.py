from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.users.models import User


def by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def active_with_roles(session: Session, roles: Sequence[str]) -> list[User]:
    """Active users with one of these roles, by username (e.g. whom a case may be given)."""
    return list(session.scalars(select(User).where(User.active.is_(True),
                                                   User.role.in_(list(roles)))
                                .order_by(User.username)))
