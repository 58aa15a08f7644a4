from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.audit import chain
from tipline.audit.models import AuditEvent
from tipline.db import Executor, connection_of, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts: `kind:id` (e.g. `reporter:3`, `system:pipeline`) and where from."""

    name: str
    remote_addr: str | None = None


SYSTEM = Actor("system:pipeline")


@dataclass(frozen=True)
class Event:
    """One event to append with `record_all`."""

    action: str
    object_type: str
    object_id: str | int
    detail: dict[str, Any]


def record_all(executor: Executor, actor: Actor, events: Sequence[Event]) -> None:
    """Append several events of one act in the caller's transaction: they are chained and
    written as it commits (and vanish with it on a rollback), so they are not visible to
    queries of the same transaction."""
    at = utcnow()
    chain.defer(connection_of(executor), [{
        "at": at, "actor": actor.name, "action": e.action, "object_type": e.object_type,
        "object_id": str(e.object_id), "remote_addr": actor.remote_addr, "detail": e.detail,
    } for e in events])


def record(
    executor: Executor, actor: Actor, action: str, object_type: str, object_id: str | int,
    **detail: Any,
) -> None:
    """Append one event in the caller's transaction, so the event and the act commit together."""
    record_all(executor, actor, [Event(action, object_type, object_id, detail)])


def events_for(session: Session, object_type: str, object_id: str | int) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(stmt))
