"""Logging in and out, and `/`, which sends each user to the home page of their role."""

from __future__ import annotations

from fastapi import Depends, Form, Request
from starlette.responses import Response

from tipline.audit.service import Actor
from tipline.http import in_thread
from tipline.review import usecases as review_usecases
from tipline.state import AppState
from tipline.users.auth import staff_cache
from tipline.users.service import StaffUser
from tipline.users.usecases import login as login_usecase
from tipline.web import nav, session
from tipline.web.pages import local_path, page_router, see_other
from tipline.web.session import page_user
from tipline.web.templates import render

router = page_router()


@router.get("/")
async def home(user: StaffUser = Depends(page_user)) -> Response:
    return see_other(nav.home_for(user.role))


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": local_path(next, "")})


@router.post("/login")
async def login(request: Request, username: str = Form(""), password: str = Form(""),
                next: str = Form("")) -> Response:
    state: AppState = request.app.state.tipline
    user: StaffUser | None = await in_thread(
        login_usecase, state.db, username, password, staff_cache(request),
        request.client.host if request.client else None)
    if user is None:
        return render(request, "login.html", {"next": local_path(next, ""), "username": username,
                                              "error": "The username or password is wrong."},
                      status=401)
    session.begin(request, user)
    return see_other(local_path(next, nav.home_for(user.role)))


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Log out; the cases the user took from the worklist and the clusters they hold for
    review are released (cases assigned to them stay)."""
    user_id = request.session.get("uid")
    if isinstance(user_id, int):
        state: AppState = request.app.state.tipline
        actor = Actor(f"user:{user_id}", request.client.host if request.client else None)
        await in_thread(review_usecases.release_work_of, state.db, user_id, actor)
    session.end(request)
    session.flash(request, "You are logged out.", "success")
    return see_other("/login")
