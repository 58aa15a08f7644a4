"""Outcome logic: record an agency's outcome (idempotent by the agency's reference), queue
the reporters' webhook notices (not before a confidential outcome's date), and shape what a
reporter is told. Never commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.audit.service import Actor, record
from tipline.cases.models import Case, CaseReport
from tipline.errors import Conflict, NotFound
from tipline.outcomes import rules, store
from tipline.outcomes.models import Outcome, ReporterWebhook
from tipline.workqueue.items import ITEMS, enqueue
from tipline.workqueue.models import PENDING

WEBHOOK_QUEUE = "outcome-webhook"  # work queue of notices to reporters (key: outcome:reporter)
NOTICE_FORMAT = "tipline.outcome-notice/1"


@dataclass(frozen=True)
class OutcomeIn:
    case_id: int
    code: str
    report_id: int | None = None
    reason: str | None = None
    note: str | None = None
    held_until: dt.datetime | None = None
    reference: str | None = None


def record_outcome(session: Session, agency: Agency, case: Case, given: OutcomeIn, via: str,
                   actor: Actor, now: dt.datetime) -> Outcome:
    """Store one outcome of a case the agency was sent (the caller checked that) and queue
    its notices. The same reference again with the same content answers the stored outcome;
    with other content it is a conflict."""
    checked = rules.check(given.code, given.reason, given.note, given.held_until, now)
    if given.report_id is not None and session.scalar(select(CaseReport.report_id).where(
            CaseReport.case_id == case.id, CaseReport.report_id == given.report_id)) is None:
        raise NotFound(f"report {given.report_id} is not in case {case.id}")
    reference = (given.reference or "").strip() or None
    if reference is not None:
        earlier = store.by_reference(session, agency.id, reference)
        if earlier is not None:
            return _same_or_conflict(earlier, case, given.report_id, checked)
    outcome = Outcome(agency_id=agency.id, case_id=case.id, report_id=given.report_id,
                      code=checked.code, reason=checked.reason, note=checked.note,
                      held_until=checked.held_until, vocabulary_version=rules.VERSION,
                      via=via, reference=reference, recorded_by=actor.name, recorded_at=now)
    session.add(outcome)
    session.flush()
    record(session, actor, "outcome_recorded", "case", case.id, outcome_id=outcome.id,
           agency=agency.code, code=checked.code, reason=checked.reason, via=via,
           report_id=given.report_id,
           held_until=checked.held_until.isoformat() if checked.held_until else None)
    queue_notices(session, outcome)
    return outcome


def _same_or_conflict(earlier: Outcome, case: Case, report_id: int | None,
                      checked: rules.Checked) -> Outcome:
    held = rules.aware(earlier.held_until) if earlier.held_until else None
    if (earlier.case_id, earlier.report_id, earlier.code, earlier.reason, earlier.note,
            held) != (case.id, report_id, checked.code, checked.reason, checked.note,
                      checked.held_until):
        raise Conflict(f"reference {earlier.reference!r} was already used for another "
                       f"outcome ({earlier.id}); use a new reference")
    return earlier


def queue_notices(session: Session, outcome: Outcome) -> int:
    """Queue one webhook notice per reporter (with an active webhook) of the reports the
    outcome speaks of; a confidential outcome's notices wait until its date."""
    queued = 0
    for reporter_id in store.reporters_of(session, outcome.case_id, outcome.report_id):
        hook = store.webhook(session, reporter_id)
        if hook is None or not hook.active:
            continue
        key = f"{outcome.id}:{reporter_id}"
        enqueue(session, WEBHOOK_QUEUE, key, {"outcome_id": outcome.id,
                                              "reporter_id": reporter_id})
        if outcome.held_until is not None:
            session.execute(update(ITEMS).where(
                ITEMS.c.queue == WEBHOOK_QUEUE, ITEMS.c.key == key,
                ITEMS.c.status == PENDING).values(available_at=outcome.held_until))
        queued += 1
    return queued


def notice(session: Session, outcome: Outcome, reporter_id: int) -> dict[str, Any]:
    """What a reporter's webhook receives: its own reports and the coarse outcome, never the
    agency's note or name."""
    reports = store.reporters_of(session, outcome.case_id, outcome.report_id).get(
        reporter_id, [])
    return {"format": NOTICE_FORMAT, "notice_id": f"outcome-{outcome.id}-reporter-"
            f"{reporter_id}", **reporter_view(outcome), "reports": reports}


def reporter_view(outcome: Outcome) -> dict[str, Any]:
    return {"outcome_id": outcome.id, "outcome": outcome.code, "reason": outcome.reason,
            "coarse": rules.coarse(outcome.code),
            "vocabulary": f"{rules.VOCABULARY}/{outcome.vocabulary_version}",
            "recorded_at": rules.aware(outcome.recorded_at).isoformat()}


def agency_view(outcome: Outcome) -> dict[str, Any]:
    return {**reporter_view(outcome), "case_id": outcome.case_id,
            "report_id": outcome.report_id, "note": outcome.note, "via": outcome.via,
            "reference": outcome.reference,
            "held_until": rules.aware(outcome.held_until).isoformat()
            if outcome.held_until else None}


def set_webhook(session: Session, reporter_id: int, url: str, secret: str, active: bool,
                now: dt.datetime) -> ReporterWebhook:
    hook = session.get(ReporterWebhook, reporter_id)
    if hook is None:
        hook = ReporterWebhook(reporter_id=reporter_id)
        session.add(hook)
    hook.url, hook.secret, hook.active, hook.updated_at = url, secret, active, now
    return hook
