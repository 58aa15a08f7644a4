"""The worklist page: open cases, most urgent first, with filters, counts per level and keyset
pages; an agency user sees only the cases routed to its agency."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from starlette.responses import Response

from tipline.http import in_thread
from tipline.state import AppState
from tipline.triage import usecases
from tipline.triage.worklist import LEVELS, NO_LEVEL, STATUSES, WorklistFilter
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
                 within_hours: str) -> WorklistFilter:
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
        new_material=new_material in ("1", "on", "true"), within_hours=window)


@router.get("/worklist")
async def worklist(request: Request, level: Text = "", status: Text = "", country: Text = "",
                   agency: Text = "", new_material: Text = "", within_hours: Text = "",
                   after: Annotated[str, Query(max_length=200)] = "",
                   user: StaffUser = Depends(readers)) -> Response:
    state: AppState = request.app.state.tipline
    filters = filters_from(level, status, country, agency, new_material, within_hours)
    page: usecases.WorklistPage = await in_thread(usecases.worklist_page, state.db, user,
                                                  filters, after or None, PAGE_SIZE)
    form: dict[str, Any] = {"level": level, "status": filters.status, "country": country,
                            "agency": agency, "new_material": filters.new_material,
                            "within_hours": within_hours}
    query = {k: v for k, v in form.items() if v and k != "new_material"}
    if filters.new_material:
        query["new_material"] = "1"
    return render(request, "worklist.html", {
        "page": page, "form": form, "levels": LEVELS, "statuses": STATUSES,
        "no_level": NO_LEVEL, "first_page": not after,
        "first_url": "/worklist?" + urlencode(query),
        "next_url": ("/worklist?" + urlencode({**query, "after": page.next_cursor})
                     if page.next_cursor else None)})
