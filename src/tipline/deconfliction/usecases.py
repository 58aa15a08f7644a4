"""Deconfliction use cases: an agency user lists, adds and ends its own watches (another
agency's watch is never seen: a 404)."""

from __future__ import annotations

from tipline import access
from tipline.audit.service import Actor
from tipline.db import Database
from tipline.deconfliction import service as deconfliction
from tipline.deconfliction.models import Watch
from tipline.deconfliction.store import watches
from tipline.users.service import StaffUser


def my_watches(db: Database, user: StaffUser) -> list[Watch]:
    with db.sessions() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        return watches(session, agency.id)


def add_watch(db: Database, user: StaffUser, actor: Actor, kind: str, value: str,
              reference: str, service: str | None, algorithm: str | None) -> Watch:
    with db.transaction() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        return deconfliction.add_watch(session, agency, kind, value, reference, actor, service,
                                       algorithm)


def end_watch(db: Database, user: StaffUser, actor: Actor, watch_id: int) -> None:
    with db.transaction() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        deconfliction.end_watch(session, agency, watch_id, actor)
