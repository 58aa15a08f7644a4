"""Outcome use cases: an agency records outcomes (API, inbox page, signed package), reporters
read theirs and set their webhook. One transaction each; access from `tipline.access`."""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline import access
from tipline.agencies.models import Agency
from tipline.audit import service as audit
from tipline.audit.service import Actor
from tipline.db import Database, utcnow
from tipline.delivery.http_client import OutboundClient, OutboundPolicy, OutboundRefused
from tipline.delivery.rules import verify
from tipline.errors import Forbidden, Invalid
from tipline.outcomes import rules, service, store
from tipline.outcomes.schemas import PACKAGE_FORMAT, OutcomeBody, OutcomePackage
from tipline.users.service import StaffUser


def _given(body: OutcomeBody) -> service.OutcomeIn:
    return service.OutcomeIn(body.case_id, body.outcome, body.report_id, body.reason,
                             body.note, body.held_until, body.reference)


def _record(session: Session, viewer: access.Viewer, body: OutcomeBody, via: str,
            actor: Actor) -> dict[str, Any]:
    agency, case = access.outcome_case(session, viewer, body.case_id)
    return service.agency_view(service.record_outcome(session, agency, case, _given(body), via,
                                                      actor, utcnow()))


def record(db: Database, user: StaffUser, actor: Actor, body: OutcomeBody,
           via: str = "api") -> dict[str, Any]:
    """An agency user records an outcome of a case routed to its agency (any other: 404)."""
    with db.transaction() as session:
        return _record(session, access.staff_viewer(session, user), body, via, actor)


def record_package(db: Database, agency_code: str, signature: str, body: bytes,
                   remote_addr: str | None) -> dict[str, Any]:
    """The package channel: outcomes signed with the agency's webhook secret, as deliveries
    are (`X-Tipline-Signature`), all recorded or none. An unknown agency and a bad signature
    get the same answer, so codes cannot be probed."""
    with db.transaction() as session:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code,
                                                     Agency.active.is_(True)))
        if agency is None or not agency.signing_secret or not verify(
                agency.signing_secret, signature, body, int(time.time())):
            raise Forbidden("the package's signature does not verify for this agency")
        package = _parse_package(body)
        if package.agency != agency.code:
            raise Invalid(f"the package names agency {package.agency!r}, not {agency.code!r}")
        if any(not (o.reference or "").strip() for o in package.outcomes):
            raise Invalid("every outcome of a package needs a reference (resending a package "
                          "must not record it twice)")
        viewer, actor = access.agency_viewer(agency), Actor(f"agency:{agency.code}",
                                                            remote_addr)
        recorded = [_record(session, viewer, o, "package", actor) for o in package.outcomes]
        return {"agency": agency.code, "outcomes": recorded}


def _parse_package(body: bytes) -> OutcomePackage:
    try:
        return OutcomePackage.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise Invalid(f"not an outcome package ({PACKAGE_FORMAT}): {str(exc)[:300]}") from exc


def agency_outcomes(db: Database, user: StaffUser, case_id: int | None) -> list[dict[str, Any]]:
    """The outcomes the user's agency recorded (of one case, when asked)."""
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        agency = access.own_agency(session, viewer)
        if case_id is not None:
            access.case(session, viewer, case_id)
        return [service.agency_view(o) for o in store.of_agency(session, agency.id, case_id)]


def _reporter_outcomes(session: Session, reporter_id: int, report_id: int | None
                       ) -> list[dict[str, Any]]:
    if report_id is not None:
        access.report(session, access.reporter_viewer(reporter_id), report_id)
    return [{"report_id": rid, **service.reporter_view(o)}
            for rid, o in store.of_reporter(session, reporter_id, utcnow(), report_id)]


def reporter_outcomes(db: Database, reporter_id: int, report_id: int | None = None
                      ) -> list[dict[str, Any]]:
    """A reporter's shared outcomes (held ones appear from their date on), newest first."""
    with db.sessions() as session:
        return _reporter_outcomes(session, reporter_id, report_id)


def portal_outcomes(db: Database, user: StaffUser, report_id: int | None = None
                    ) -> list[dict[str, Any]]:
    with db.sessions() as session:
        reporter_id = access.own_reporter(access.staff_viewer(session, user))
        return _reporter_outcomes(session, reporter_id, report_id)


def coarse_status(db: Database, reporter_id: int, report_id: int) -> str:
    """A report's coarse status for its reporter: pending, received, actioned, not
    actionable or closed."""
    with db.sessions() as session:
        access.report(session, access.reporter_viewer(reporter_id), report_id)
        return rules.coarse_status([o.code for _, o in store.of_reporter(
            session, reporter_id, utcnow(), report_id)])


def set_webhook(db: Database, policy: OutboundPolicy, reporter_id: int, url: str,
                secret: str, active: bool, actor: Actor) -> dict[str, Any]:
    """Where the reporter's outcome notices go; the URL must pass the outbound policy."""
    client = OutboundClient(policy)
    try:
        client.check_url(url)
    except OutboundRefused as exc:
        raise Invalid(f"webhook URL refused: {exc}") from exc
    finally:
        client.close()
    with db.transaction() as session:
        hook = service.set_webhook(session, reporter_id, url, secret, active, utcnow())
        audit.record(session, actor, "outcome_webhook_set", "reporter", reporter_id, url=url,
               active=active)
        return {"url": hook.url, "active": hook.active}
