"""The takedown API (`/api/v1/takedown`): URLs with their history, assessment, the provider
and hotline registries, and the time-to-removal figures, for the centre's staff."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from tipline.http import in_thread
from tipline.state import AppState
from tipline.takedown import usecases
from tipline.takedown.schemas import (
    AssessmentIn,
    HotlineIn,
    HotlineOut,
    ProviderIn,
    ProviderOut,
    RemovalFigures,
    UrlDetail,
    UrlRow,
)
from tipline.users.auth import StaffUser, require_role
from tipline.users.rules import CASE_ROLES

router = APIRouter(prefix="/api/v1/takedown", tags=["takedown"])
staff = require_role(*CASE_ROLES)


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


@router.get("/urls", response_model=list[UrlRow])
async def urls(request: Request, status: str | None = None,
               limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
               user: StaffUser = Depends(staff)) -> list[UrlRow]:
    """Reported URLs, newest first (`status`: new, held, illegal, noticed, removed,
    not_illegal)."""
    found: list[UrlRow] = await in_thread(usecases.list_urls, _state(request).db, user,
                                          status, limit, offset)
    return found


@router.get("/urls/{url_id}", response_model=UrlDetail)
async def url(request: Request, url_id: int, user: StaffUser = Depends(staff)) -> UrlDetail:
    """One URL: where it was reported, its cases, hosting, notices and history."""
    found: UrlDetail = await in_thread(usecases.url_detail, _state(request).db, user, url_id)
    return found


@router.post("/urls/{url_id}/assessment", response_model=UrlDetail)
async def assess(request: Request, url_id: int, given: AssessmentIn,
                 user: StaffUser = Depends(staff)) -> UrlDetail:
    """Assess a URL: baseline, national (illegal in your jurisdiction) or not_illegal."""
    state = _state(request)
    found: UrlDetail = await in_thread(usecases.assess, state.db, user, url_id,
                                       given.assessment, state.settings)
    return found


@router.get("/providers", response_model=list[ProviderOut])
async def providers(request: Request, user: StaffUser = Depends(staff)) -> list[ProviderOut]:
    found: list[ProviderOut] = await in_thread(usecases.providers, _state(request).db, user)
    return found


@router.post("/providers", status_code=201)
async def add_provider(request: Request, given: ProviderIn,
                       user: StaffUser = Depends(staff)) -> dict[str, int]:
    """Add a hosting provider (supervisors and administrators)."""
    found: int = await in_thread(usecases.add_provider, _state(request).db, user, given)
    return {"id": found}


@router.get("/hotlines", response_model=list[HotlineOut])
async def hotlines(request: Request, user: StaffUser = Depends(staff)) -> list[HotlineOut]:
    found: list[HotlineOut] = await in_thread(usecases.hotlines, _state(request).db, user)
    return found


@router.post("/hotlines", status_code=201)
async def add_hotline(request: Request, given: HotlineIn,
                      user: StaffUser = Depends(staff)) -> dict[str, int]:
    """Add the hotline of a country (supervisors and administrators)."""
    found: int = await in_thread(usecases.add_hotline, _state(request).db, user, given)
    return {"id": found}


@router.get("/figures", response_model=RemovalFigures)
async def figures(request: Request, days: int = 90,
                  user: StaffUser = Depends(staff)) -> RemovalFigures:
    """Time to removal of the URLs first noticed in the last `days` days, per provider,
    country and channel (hours: p50, p90; shares removed within 24 h, 72 h, 7 days)."""
    found: RemovalFigures = await in_thread(usecases.figures_for, _state(request).db, user,
                                            days)
    return found


