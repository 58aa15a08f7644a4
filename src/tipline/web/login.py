"""Logging in and out, and `/`, which sends each user to the home page of their role."""

from __future__ import annotations

from fastapi import Depends, Form, Request
from starlette.responses import Response

from tipline.audit.service import Actor
from tipline.http import client_address, in_thread
from tipline.review import usecases as review_usecases
from tipline.state import AppState
from tipline.users.service import StaffCredentialCache, StaffUser
from tipline.users.usecases import end_page_session, page_login
from tipline.web import nav, session
from tipline.web.pages import local_path, page_router, see_other
from tipline.web.session import page_user
from tipline.web.templates import render

router = page_router()
NO_CACHE = StaffCredentialCache(0)


@router.get("/")
async def home(user: StaffUser = Depends(page_user)) -> Response:
    return see_other(nav.home_for(user.role))


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": local_path(next, "")})


@router.post("/login")
async def login(request: Request, username: str = Form(""), password: str = Form(""),
                otp: str = Form(""), next: str = Form("")) -> Response:
    """Too many failures for the account or address answer 429 before any password is
    checked (`LoginThrottled`)."""
    state: AppState = request.app.state.tipline
    # No credential cache: a page login checks the password in full (once per login), and
    # does not seed the API's cache with it.
    found = await in_thread(page_login, state.db, username, password, NO_CACHE,
                            client_address(request), state.logins, otp or None)
    if found is None:
        return render(request, "login.html", {
            "next": local_path(next, ""), "username": username,
            "error": "The username, password or one-time code is wrong."}, status=401)
    user, token = found
    session.begin(request, user, token)
    return see_other(local_path(next, nav.home_for(user.role)))


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Log out: the session ends server-side; the cases the user took from the worklist
    and the clusters they hold for review are released (cases assigned to them stay)."""
    state: AppState = request.app.state.tipline
    token = session.session_token(request)
    user_id = await in_thread(end_page_session, state.db, token, client_address(request)) \
        if token else None
    if user_id is not None:
        actor = Actor(f"user:{user_id}", client_address(request))
        await in_thread(review_usecases.release_work_of, state.db, user_id, actor)
    session.end(request)
    session.flash(request, "You are logged out.", "success")
    return see_other("/login")
