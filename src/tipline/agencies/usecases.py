"""Agency registry use cases: administrators manage agencies and retention windows; an agency
user reads its own forecast and alerts. One transaction (or read session) each."""

from __future__ import annotations

from typing import Any

from tipline import access
from tipline.agencies import service as registry
from tipline.alerts.models import Alert
from tipline.alerts.store import alerts_for
from tipline.audit.service import Actor
from tipline.db import Database
from tipline.delivery.service import forecast
from tipline.errors import NotFound
from tipline.outbound import Destinations
from tipline.users.service import StaffUser


def _admin(session: Any, user: StaffUser) -> None:
    access.check_administer(access.staff_viewer(session, user))


def list_agencies(db: Database, user: StaffUser) -> list[dict[str, Any]]:
    """The registry with each agency's channel chain (the signing secret never leaves)."""
    with db.sessions() as session:
        _admin(session, user)
        return registry.agency_views(session)


def save_agency(db: Database, user: StaffUser, actor: Actor, data: dict[str, Any],
                create: bool, destinations: Destinations = Destinations()) -> dict[str, Any]:
    """Add (`create`) or change an agency, validated against the registry and its endpoint
    against the outbound address policy (`destinations`, from settings)."""
    with db.transaction() as session:
        _admin(session, user)
        row = registry.save_agency(session, data, actor, create, destinations)
        return registry.agency_views(session, row.code)[0]


def list_retention(db: Database, user: StaffUser, default_days: int) -> list[dict[str, Any]]:
    with db.sessions() as session:
        _admin(session, user)
        return registry.retention_view(session, default_days)


def set_retention(db: Database, user: StaffUser, actor: Actor, country: str, days: int | None,
                  source: str, default_days: int) -> dict[str, Any]:
    """Override a country's retention window; answers the window now in force."""
    with db.transaction() as session:
        _admin(session, user)
        row = registry.set_retention(session, country, days, source, actor)
        session.flush()
        found = registry.retention_of(session, default_days)
        return {"country": row.country, **found(row.country).__dict__}


def my_forecast(db: Database, user: StaffUser) -> dict[str, Any]:
    with db.sessions() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        return forecast(session, agency)


def my_alerts(db: Database, user: StaffUser) -> list[Alert]:
    """Alerts addressed to the user's agency, newest first."""
    with db.sessions() as session:
        agency = access.own_agency(session, access.staff_viewer(session, user))
        return alerts_for(session, agency.id)


def get_agency(db: Database, user: StaffUser, code: str) -> dict[str, Any]:
    """One registry entry, for its edit form; an unknown code is not found."""
    with db.sessions() as session:
        _admin(session, user)
        found = registry.agency_views(session, code.strip().upper())
        if not found:
            raise NotFound(f"agency {code} does not exist")
        return found[0]
