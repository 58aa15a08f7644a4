"""Takedown pages for the centre's staff: reported URLs, one URL (its reports, cases,
hosting, notices and history; assessment and release of a police hold), the
time-to-removal figures, and the provider and hotline registries."""

from __future__ import annotations

from fastapi import Depends, Form, Request
from starlette.responses import Response

from tipline.access import CENTRE_ROLES
from tipline.http import in_thread
from tipline.state import AppState
from tipline.takedown import rules, usecases
from tipline.takedown.schemas import (
    HotlineIn,
    HotlineOut,
    ProviderIn,
    ProviderOut,
    RemovalFigures,
    UrlDetail,
    UrlRow,
    checked,
)
from tipline.users.service import StaffUser
from tipline.web.pages import page_router, see_other
from tipline.web.session import flash, page_role
from tipline.web.templates import render

router = page_router()
centre_user = page_role(*CENTRE_ROLES)
PAGE_SIZE = 50


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/takedown")
async def urls(request: Request, status: str = "", page: int = 1,
               user: StaffUser = Depends(centre_user)) -> Response:
    page = max(1, page)
    rows: list[UrlRow] = await in_thread(usecases.list_urls, _state(request).db, user, status,
                                         PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    return render(request, "takedown.html", {
        "rows": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "page": page,
        "status": status, "statuses": usecases.STATUSES})


@router.get("/takedown/urls/{url_id}")
async def url(request: Request, url_id: int, user: StaffUser = Depends(centre_user)
              ) -> Response:
    found: UrlDetail = await in_thread(usecases.url_detail, _state(request).db, user, url_id)
    return render(request, "takedown_url.html", {"url": found,
                                                 "assessments": rules.ASSESSMENTS})


@router.post("/takedown/urls/{url_id}/assess")
async def assess(request: Request, url_id: int, assessment: str = Form(""),
                 user: StaffUser = Depends(centre_user)) -> Response:
    state = _state(request)
    await in_thread(usecases.assess, state.db, user, url_id, assessment, state.settings)
    flash(request, f"Assessed: {rules.ASSESSMENTS.get(assessment, assessment)}.", "success")
    return see_other(f"/takedown/urls/{url_id}")


@router.post("/takedown/urls/{url_id}/release")
async def release(request: Request, url_id: int, agency: str = Form(""),
                  user: StaffUser = Depends(centre_user)) -> Response:
    await in_thread(usecases.release_hold, _state(request).db, user, url_id, agency)
    flash(request, "The hold is released: the notice goes out next.", "success")
    return see_other(f"/takedown/urls/{url_id}")


@router.get("/takedown/figures")
async def figures(request: Request, days: int = 90, user: StaffUser = Depends(centre_user)
                  ) -> Response:
    found: RemovalFigures = await in_thread(usecases.figures_for, _state(request).db, user,
                                            days)
    return render(request, "takedown_figures.html", {"figures": found, "days": days})


@router.get("/admin/providers")
async def providers(request: Request, user: StaffUser = Depends(centre_user)) -> Response:
    state = _state(request)
    found: list[ProviderOut] = await in_thread(usecases.providers, state.db, user)
    lines: list[HotlineOut] = await in_thread(usecases.hotlines, state.db, user)
    return render(request, "takedown_registry.html", {"providers": found, "hotlines": lines})


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.replace(",", "\n").splitlines() if item.strip()]


@router.post("/admin/providers")
async def add_provider(request: Request, name: str = Form(""), country: str = Form(""),
                       ranges: str = Form(""), domains: str = Form(""),
                       channel: str = Form("email"), contact: str = Form(""),
                       upstream: str = Form(""), user: StaffUser = Depends(centre_user)
                       ) -> Response:
    given = checked(ProviderIn, name=name.strip(), country=country.strip() or None,
                       ranges=_list(ranges), domains=_list(domains), channel=channel,
                       contact=contact, upstream=upstream.strip() or None)
    await in_thread(usecases.add_provider, _state(request).db, user, given)
    flash(request, f"Provider {given.name} added.", "success")
    return see_other("/admin/providers")


@router.post("/admin/hotlines")
async def add_hotline(request: Request, country: str = Form(""), name: str = Form(""),
                      channel: str = Form("email"), contact: str = Form(""),
                      user: StaffUser = Depends(centre_user)) -> Response:
    given = checked(HotlineIn, country=country.strip(), name=name.strip(), channel=channel,
                      contact=contact)
    await in_thread(usecases.add_hotline, _state(request).db, user, given)
    flash(request, f"Hotline of {given.country.upper()} added.", "success")
    return see_other("/admin/providers")
