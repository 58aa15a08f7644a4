"""The worklist page: open cases, most urgent first, with filters and keyset pages, and its
counts per level (a fragment of their own); an agency user sees only the cases routed to its
agency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from starlette.responses import Response

from tipline.http import in_thread
from tipline.state import AppState
from tipline.triage import usecases
from tipline.triage.worklist import (
    COUNT_CAP,
    LEVELS,
    NO_LEVEL,
    STATUSES,
    WORK_STATUSES,
    WorklistFilter,
)
from tipline.users.service import StaffUser
from tipline.web.nav import STAFF_ROLES
from tipline.web.pages import page_router
from tipline.web.session import page_role
from tipline.web.templates import render

router = page_router()
readers = page_role(*STAFF_ROLES)
PAGE_SIZE = 50
Text = Annotated[str, Query(max_length=40)]


def _blank_to_none(value: str) -> str | None:
    return value.strip() or None


def filters_from(level: str, status: str, country: str, agency: str, new_material: str,
                 within_hours: str, work_status: str = "", owner: str = "") -> WorklistFilter:
    """The filter form's fields (empty means "any") as a worklist filter."""
    hours = _blank_to_none(within_hours)
    try:
        window = float(hours) if hours else None
    except ValueError:
        window = -1.0  # refused by WorklistFilter with a message
    return WorklistFilter(
        level=_blank_to_none(level), status=status or "open",
        country=(_blank_to_none(country) or "").upper() or None,
        agency=(_blank_to_none(agency) or "").upper() or None,
        new_material=new_material in ("1", "on", "true"), within_hours=window,
        work_status=_blank_to_none(work_status), owner=_blank_to_none(owner))


@dataclass(frozen=True)
class FilterForm:
    filters: WorklistFilter
    form: dict[str, Any]  # the fields as the form shows them
    query: dict[str, str]  # the fields as a link carries them


def filter_form(level: Text = "", status: Text = "", country: Text = "", agency: Text = "",
                new_material: Text = "", within_hours: Text = "", work_status: Text = "",
                owner: Text = "") -> FilterForm:
    filters = filters_from(level, status, country, agency, new_material, within_hours,
                           work_status, owner)
    form: dict[str, Any] = {"level": level, "status": filters.status, "country": country,
                            "agency": agency, "new_material": filters.new_material,
                            "within_hours": within_hours, "work_status": work_status,
                            "owner": owner}
    query = {k: str(v) for k, v in form.items() if v and k != "new_material"}
    if filters.new_material:
        query["new_material"] = "1"
    return FilterForm(filters, form, query)


@router.get("/worklist")
async def worklist(request: Request, after: Annotated[str, Query(max_length=200)] = "",
                   chosen: FilterForm = Depends(filter_form),
                   user: StaffUser = Depends(readers)) -> Response:
    state: AppState = request.app.state.tipline
    page: usecases.WorklistPage = await in_thread(
        usecases.worklist_page, state.db, user, chosen.filters, after or None, PAGE_SIZE,
        False)  # the counts come with their own request (below), so no filter slows the page
    query = chosen.query
    return render(request, "worklist.html", {
        "page": page, "form": chosen.form, "levels": LEVELS, "statuses": STATUSES,
        "work_statuses": WORK_STATUSES,
        "first_page": not after, "first_url": "/worklist?" + urlencode(query),
        "counts_url": "/worklist/counts?" + urlencode(query),
        "next_url": ("/worklist?" + urlencode({**query, "after": page.next_cursor})
                     if page.next_cursor else None)})


@router.get("/worklist/counts")
async def worklist_counts(request: Request, chosen: FilterForm = Depends(filter_form),
                          user: StaffUser = Depends(readers)) -> Response:
    """Cases per level under the filters: loaded by htmx into the worklist page (a fragment),
    or a page of its own when followed as a link."""
    state: AppState = request.app.state.tipline
    counts: dict[str, int] = await in_thread(usecases.worklist_counts, state.db, user,
                                             chosen.filters)
    return render(request, "worklist_counts.html", {
        "counts": counts, "count_cap": COUNT_CAP, "levels": LEVELS, "no_level": NO_LEVEL,
        "partial": request.headers.get("HX-Request") == "true",
        "worklist_url": "/worklist?" + urlencode(chosen.query)})
