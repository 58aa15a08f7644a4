"""Use cases of the outcome pages: an agency's case page with the form and its outcomes
(recorded through the same `record` as the API), and the reporter portal's outcomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from tipline import access
from tipline.audit.service import Actor
from tipline.db import Database, utcnow
from tipline.delivery import inbox as inbox_views
from tipline.errors import Invalid
from tipline.outcomes import rules, store, usecases
from tipline.outcomes.schemas import OutcomeBody
from tipline.outcomes.service import agency_view
from tipline.users.service import StaffUser


@dataclass(frozen=True)
class InboxCase:
    case: inbox_views.CaseView
    outcomes: list[dict[str, Any]]


def inbox_case(db: Database, user: StaffUser, case_id: int) -> InboxCase:
    """A case routed to the user's agency, with the outcomes the agency recorded for it."""
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        agency = access.own_agency(session, viewer)
        found = access.case(session, viewer, case_id)
        return InboxCase(inbox_views.case_view(session, agency, found),
                         [agency_view(o) for o in store.of_agency(session, agency.id,
                                                                  found.id)])


def record_form(db: Database, user: StaffUser, actor: Actor, case_id: int,
                form: dict[str, str]) -> dict[str, Any]:
    """The inbox form: a held date is a day (confidential until its start, UTC)."""
    held = form.get("held_until", "").strip()
    try:
        held_until = dt.datetime.combine(dt.date.fromisoformat(held), dt.time(),
                                         dt.UTC) if held else None
        body = OutcomeBody(case_id=case_id, outcome=form.get("outcome", ""),
                           report_id=int(form["report_id"]) if form.get("report_id") else None,
                           reason=form.get("reason") or None, note=form.get("note") or None,
                           held_until=held_until)
    except (ValueError, ValidationError) as exc:
        raise Invalid(f"the outcome form is not valid: {str(exc)[:300]}") from exc
    return usecases.record(db, user, actor, body, via="inbox")


def portal_outcome_status(db: Database, user: StaffUser, report_id: int) -> str:
    """The coarse status of one report of a reporter user's organisation (another
    organisation's report is not found)."""
    with db.sessions() as session:
        reporter_id = access.own_reporter(access.staff_viewer(session, user))
        access.report(session, access.reporter_viewer(reporter_id), report_id)
        return rules.coarse_status([o.code for _, o in store.of_reporter(
            session, reporter_id, utcnow(), report_id)])
