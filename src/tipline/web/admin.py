"""Administrators' pages: the agency registry, retention windows, staff accounts with their
roles, and reporter organisations' API keys (the same use cases as `/api/v1/admin/...`,
`tipline users` and `tipline reporters key-...`)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Form, Request
from starlette.responses import Response

from tipline.agencies import usecases as agencies
from tipline.agencies.rules import CHANNELS, DELIVERY_METHODS
from tipline.db import utcnow
from tipline.http import in_thread
from tipline.outbound import Destinations
from tipline.reporters import usecases as reporters
from tipline.reporters.apikeys import SCOPES, KeyRow, NewKey
from tipline.state import AppState
from tipline.users import usecases as users
from tipline.users.auth import staff_actor
from tipline.users.models import ROLES
from tipline.users.service import StaffUser, UserRow
from tipline.web.pages import page_router, see_other
from tipline.web.session import flash, page_role
from tipline.web.templates import render

router = page_router(prefix="/admin")
admin = page_role("admin")
AGENCY_TEXT_FIELDS = ("code", "name", "channel", "via_code", "delivery_method", "endpoint_url",
                      "public_key", "contact")
USER_FIELDS = ("username", "name", "role", "organisation", "jurisdiction", "password")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


# --- agencies and retention windows --------------------------------------------------------

@router.get("/agencies")
async def agencies_page(request: Request, user: StaffUser = Depends(admin)) -> Response:
    rows: list[dict[str, Any]] = await in_thread(agencies.list_agencies, _state(request).db,
                                                 user)
    return render(request, "admin_agencies.html", {"agencies": rows, "form": {},
                                                   **_agency_choices()})


@router.get("/agencies/{code}")
async def agency_page(request: Request, code: str, user: StaffUser = Depends(admin)
                      ) -> Response:
    row: dict[str, Any] = await in_thread(agencies.get_agency, _state(request).db, user, code)
    return render(request, "admin_agency.html", {"form": row, **_agency_choices()})


async def _agency_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in AGENCY_TEXT_FIELDS
                            if name in form}
    data["countries"] = [c for c in str(form.get("countries", "")).replace(",", " ").split()]
    data["active"] = form.get("active") == "on"
    for optional in ("endpoint_url", "public_key", "via_code"):
        data[optional] = data.get(optional) or None
    if secret := str(form.get("signing_secret", "")):  # write-only: empty keeps the old one
        data["signing_secret"] = secret
    return data


@router.post("/agencies")
async def add_agency(request: Request, user: StaffUser = Depends(admin)) -> Response:
    data = await _agency_form(request)
    saved: dict[str, Any] = await in_thread(agencies.save_agency, _state(request).db, user,
                                            staff_actor(user, request), data, True,
                                            _destinations(request))
    flash(request, f"Agency {saved['code']} is added.", "success")
    return see_other("/admin/agencies")


@router.post("/agencies/{code}")
async def edit_agency(request: Request, code: str, user: StaffUser = Depends(admin)
                      ) -> Response:
    data = {**await _agency_form(request), "code": code}
    data["via_code"] = data["via_code"] or ""  # an empty intermediary clears it
    saved: dict[str, Any] = await in_thread(agencies.save_agency, _state(request).db, user,
                                            staff_actor(user, request), data, False,
                                            _destinations(request))
    flash(request, f"Agency {saved['code']} is saved.", "success")
    return see_other("/admin/agencies")


def _destinations(request: Request) -> Destinations:
    return Destinations.from_settings(_state(request).settings)


def _agency_choices() -> dict[str, Any]:
    return {"channels": CHANNELS, "methods": DELIVERY_METHODS}


@router.get("/retention")
async def retention_page(request: Request, user: StaffUser = Depends(admin)) -> Response:
    state = _state(request)
    rows: list[dict[str, Any]] = await in_thread(agencies.list_retention, state.db, user,
                                                 state.settings.retention_default_days)
    return render(request, "admin_retention.html", {
        "windows": rows, "default_days": state.settings.retention_default_days})


@router.post("/retention")
async def set_retention(request: Request, country: str = Form(...), days: str = Form(""),
                        source: str = Form(""), user: StaffUser = Depends(admin)) -> Response:
    state = _state(request)
    window: int | None = int(days) if days.strip().lstrip("-").isdigit() else None
    found: dict[str, Any] = await in_thread(
        agencies.set_retention, state.db, user, staff_actor(user, request), country, window,
        source, state.settings.retention_default_days)
    flash(request, f"{found['country']}: retention window {found['days']} days.", "success")
    return see_other("/admin/retention")


# --- staff users and roles -----------------------------------------------------------------

@router.get("/users")
async def users_page(request: Request, user: StaffUser = Depends(admin)) -> Response:
    rows: list[UserRow] = await in_thread(users.list_users, _state(request).db, user)
    return render(request, "admin_users.html", {"users": rows, "roles": ROLES, "me": user.id})


@router.post("/users")
async def add_user(request: Request, user: StaffUser = Depends(admin)) -> Response:
    form = await request.form()
    fields = {name: str(form.get(name, "")) for name in USER_FIELDS}
    created: UserRow = await in_thread(users.add_user, _state(request).db, user,
                                             staff_actor(user, request), fields)
    flash(request, f"User {created.username} ({created.role}) is created.", "success")
    return see_other("/admin/users")


@router.post("/users/{user_id}/active")
async def set_active(request: Request, user_id: int, active: str = Form(...),
                     user: StaffUser = Depends(admin)) -> Response:
    changed: UserRow = await in_thread(users.set_user_active, _state(request).db, user,
                                             staff_actor(user, request), user_id,
                                             active == "yes")
    state = "reactivated" if changed.active else "deactivated"
    flash(request, f"User {changed.username} is {state}.", "success")
    return see_other("/admin/users")


# --- reporter organisations' API keys -------------------------------------------------------

@router.get("/api-keys")
async def api_keys_page(request: Request, user: StaffUser = Depends(admin)) -> Response:
    rows: list[KeyRow] = await in_thread(reporters.list_keys, _state(request).db, user)
    return render(request, "admin_api_keys.html", {
        "keys": rows, "scopes": SCOPES, "now": utcnow(),
        "max_days": _state(request).settings.api_key_max_days})


@router.post("/api-keys")
async def add_api_key(request: Request, reporter: str = Form(""), name: str = Form(""),
                      days: int = Form(90), user: StaffUser = Depends(admin)) -> Response:
    """The new key is shown once, on this answer's page (never stored, never in a flash)."""
    state = _state(request)
    scopes = [str(s) for s in (await request.form()).getlist("scopes")]
    made: NewKey = await in_thread(reporters.add_key, state.db, user,
                                   staff_actor(user, request), reporter, name, scopes, days,
                                   state.settings.api_key_max_days)
    rows: list[KeyRow] = await in_thread(reporters.list_keys, state.db, user)
    return render(request, "admin_api_keys.html", {
        "keys": rows, "scopes": SCOPES, "now": utcnow(), "made": made,
        "max_days": state.settings.api_key_max_days}, status=201)


@router.post("/api-keys/{key_id}/revoke")
async def revoke_api_key(request: Request, key_id: int,
                         user: StaffUser = Depends(admin)) -> Response:
    await in_thread(reporters.revoke_key, _state(request).db, user, staff_actor(user, request),
                    key_id)
    flash(request, f"API key {key_id} is revoked.", "success")
    return see_other("/admin/api-keys")
