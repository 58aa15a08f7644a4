"""Use cases of the agency registry: save and import agencies, retention windows, what an
agency user is. Never commits: the caller's transaction does."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tipline.agencies import rules, store
from tipline.agencies.models import Agency, RetentionWindow
from tipline.agencies.rules import AgencyEntry, RegistryError, Retention
from tipline.audit.service import Actor, record
from tipline.classification.jurisdictions import load_table
from tipline.classification.jurisdictions import lookup as jurisdiction
from tipline.db import utcnow
from tipline.errors import NotFound
from tipline.outbound import Destinations

FIELDS = ("name", "countries", "channel", "via_code", "delivery_method", "endpoint_url",
          "contact", "active")


# --- the registry --------------------------------------------------------------------------

def _entry_from(data: Mapping[str, Any], base: AgencyEntry | None = None) -> AgencyEntry:
    if base is None:
        missing = [k for k in ("code", "name", "channel", "delivery_method") if not data.get(k)]
        if missing:
            raise RegistryError(f"agency {data.get('code', '?')}: missing {', '.join(missing)}")
        base = AgencyEntry(str(data["code"]), "", (), "direct", None, "pull")
    changes = {k: data[k] for k in FIELDS if k in data and data[k] is not None}
    if "countries" in changes:
        if not isinstance(changes["countries"], list | tuple):
            raise RegistryError(f"agency {base.code}: countries must be a list of codes")
        changes["countries"] = tuple(str(c) for c in changes["countries"])
    if "via_code" in data and not data["via_code"]:  # "" clears it (e.g. now direct)
        changes["via_code"] = None
    return replace(base, **changes)


def save_agency(session: Session, data: Mapping[str, Any], actor: Actor,
                create: bool | None = None,
                destinations: Destinations = Destinations()) -> Agency:
    """Create or update an agency (by code) after validating it against the registry and
    its endpoint against the outbound address policy."""
    code = str(data.get("code", "")).strip().upper()
    row = store.agency(session, code)
    if create is True and row is not None:
        raise RegistryError(f"agency {code} exists")
    if create is False and row is None:
        raise NotFound(f"agency {code} does not exist")
    known = store.registry(session)
    checked = rules.check_agency(_entry_from({**data, "code": code},
                                             store.entry(row) if row else None), known,
                                 destinations)
    if row is not None and row.active and not checked.active and (
            users := rules.dependants(known, code)):
        raise RegistryError(f"agency {code} is the intermediary of {', '.join(users)}: "
                            "re-route or disable them first")
    if row is None:
        row = Agency(code=checked.code)
        session.add(row)
    for name in FIELDS:
        setattr(row, name, list(checked.countries) if name == "countries"
                else getattr(checked, name))
    if "signing_secret" in data and data["signing_secret"] is not None:
        row.signing_secret = str(data["signing_secret"])
    if "public_key" in data and data["public_key"] is not None:
        row.public_key = str(data["public_key"])
    row.updated_at = utcnow()
    session.flush()
    record(session, actor, "agency.save", "agency", row.code,
           **{k: v for k, v in data.items() if k in FIELDS})
    return row


def sample_registry_text() -> str:
    return resources.files("tipline.agencies").joinpath("agencies.json").read_text("utf-8")


def read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read: {exc}") from exc


def import_registry(session: Session, text: str, actor: Actor,
                    destinations: Destinations = Destinations()) -> list[Agency]:
    """Create or update every agency of a registry file (JSON: {"agencies": [...]}); the
    order in the file does not matter (intermediaries are saved first)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"the registry is not valid JSON: {exc}") from exc
    items = raw.get("agencies") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise RegistryError('the registry must be {"agencies": [{...}, ...]}')
    pending = {str(i.get("code", "")).strip().upper(): i for i in items}
    saved: list[Agency] = []
    while pending:
        ready = [c for c, i in pending.items()
                 if not i.get("via_code") or str(i["via_code"]).upper() not in pending
                 or str(i["via_code"]).upper() == c]
        if not ready:
            raise RegistryError(f"intermediaries form a cycle among {', '.join(sorted(pending))}")
        for code in sorted(ready):
            saved.append(save_agency(session, pending.pop(code), actor,
                                     destinations=destinations))
    return saved


def agency_views(session: Session, only: str | None = None) -> list[dict[str, Any]]:
    """Registry entries as shown to administrators (the signing secret never leaves)."""
    entries = store.registry(session)
    return [{
        "code": row.code, "name": row.name, "countries": list(row.countries or []),
        "channel": row.channel, "via_code": row.via_code,
        "channel_chain": rules.chain(entries, row.code), "delivery_method": row.delivery_method,
        "endpoint_url": row.endpoint_url, "has_signing_secret": bool(row.signing_secret),
        "public_key": row.public_key, "contact": row.contact, "active": row.active,
        "updated_at": row.updated_at,
    } for row in store.agencies(session) if only is None or row.code == only]


# --- retention windows ---------------------------------------------------------------------

def retention_of(session: Session, default_days: int) -> Callable[[str], Retention]:
    """Per country: an administrator's override, else the shipped jurisdiction table, else
    the default (flagged assumed)."""
    overrides = store.retention_overrides(session)

    def find(country: str) -> Retention:
        row = jurisdiction(country)
        return rules.retention_for(country, overrides.get(country),
                                   row.retention_days if row else None,
                                   row.source if row else "", default_days)

    return find


def set_retention(session: Session, country: str, days: int | None, source: str,
                  actor: Actor) -> RetentionWindow:
    """An administrator's retention window for a country (None: declared unknown, so the
    default applies, flagged assumed). It overrides the shipped jurisdiction table."""
    code = rules.check_retention(country, days)
    if days is not None and not source.strip():
        raise RegistryError(f"retention window of {code}: cite its source (statute, order)")
    row = session.get(RetentionWindow, code) or RetentionWindow(country=code)
    row.days, row.source, row.updated_at = days, source.strip(), utcnow()
    session.add(row)
    record(session, actor, "retention.set", "retention_window", code, days=days, source=source)
    return row


def retention_view(session: Session, default_days: int) -> list[dict[str, Any]]:
    """Every country with a known or overridden window: days, source, origin, assumed."""
    find = retention_of(session, default_days)
    codes = sorted(set(load_table()) | set(store.retention_overrides(session)))
    return [{"country": c, **find(c).__dict__} for c in codes]


# --- agency users --------------------------------------------------------------------------

def agency_for_user(session: Session, organisation: str) -> Agency:
    row = store.agency(session, organisation)
    if row is None or not row.active:
        raise NotFound(f"no active agency {organisation!r} (a user's organisation must be "
                       "its agency code)")
    return row


def reaching(agency: Agency) -> list[int]:
    """The agencies whose routes and deliveries this agency sees: itself only. An
    intermediary of a chain does not see the cases it relays (strict isolation, as in
    delivery's pull API)."""
    return [agency.id]
