"""Routing use cases: a case's routes for the centre's staff, an agency's own routes."""

from __future__ import annotations

from typing import Any

from tipline import access
from tipline.cases import store as cases_store
from tipline.db import Database
from tipline.errors import NotFound
from tipline.routing import service, store
from tipline.users.service import StaffUser


def case_routes(db: Database, user: StaffUser, case_id: int,
                include_superseded: bool) -> list[dict[str, Any]]:
    """A case's routes, every agency's: the centre's view of where a case went."""
    with db.sessions() as session:
        access.check_centre(access.staff_viewer(session, user), "see every route of a case")
        return service.case_routes(session, case_id, include_superseded=include_superseded)


def my_routes(db: Database, user: StaffUser) -> list[dict[str, Any]]:
    """Active routes of cases routed to the user's agency (only its own), newest first."""
    with db.sessions() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        return service.routes_for(session, agency)


def request_recompute(db: Database, case_id: int | None, reason: str) -> list[int]:
    """Queue routing one case (`case_id`) or every open case again; the ids queued. The work
    queue's worker routes them (in the server on SQLite, `tipline worker` otherwise)."""
    with db.transaction() as session:
        if case_id is None:
            ids = store.open_case_ids(session)
        else:
            case = cases_store.resolve(session, case_id)
            if case is None:
                raise NotFound(f"case {case_id} does not exist")
            ids = [case.id]
        service.request_reroute(session, ids, reason)
        return ids
