"""Reports from the public, at a stable public address: no login, no JavaScript needed,
CSRF-protected, a honeypot field, limits on size and on reports per address; the reporter
gets a receipt number and a secret, and checks the status later with both. Nothing given
is ever fetched."""

from __future__ import annotations

from fastapi import Form, Request
from starlette.responses import Response

from tipline.errors import Invalid
from tipline.http import in_thread
from tipline.state import AppState
from tipline.takedown import usecases
from tipline.takedown.schemas import PublicReceipt, PublicReportIn, PublicStatus, checked
from tipline.web.pages import page_router
from tipline.web.templates import render

router = page_router()
HONEYPOT = "website"  # hidden from people; a bot that fills every field fills it


@router.get("/report")
async def report_form(request: Request) -> Response:
    state: AppState = request.app.state.tipline
    return render(request, "public_report.html", {
        "max_urls": state.settings.takedown_max_urls,
        "max_chars": state.settings.takedown_public_max_chars})


@router.post("/report")
async def report(request: Request, urls: str = Form(""), description: str = Form(""),
                 contact: str = Form(""), website: str = Form("")) -> Response:
    if website:
        raise Invalid("this form could not be accepted; please try again without "
                      "automatic form filling")
    state: AppState = request.app.state.tipline
    address = request.client.host if request.client else "unknown"
    receipt: PublicReceipt = await in_thread(
        usecases.submit_public, state.db,
        checked(PublicReportIn, urls=urls, description=description,
                contact=contact.strip() or None),
        address, state.settings)
    return render(request, "public_receipt.html", {"receipt": receipt}, status=201)


@router.get("/report/status")
async def status_form(request: Request) -> Response:
    return render(request, "public_status.html", {"status": None})


@router.post("/report/status")
async def status(request: Request, receipt: str = Form(""), secret: str = Form("")
                 ) -> Response:
    """Asked by POST, so the secret never appears in an address or a server log."""
    state: AppState = request.app.state.tipline
    found: PublicStatus = await in_thread(usecases.public_status, state.db, receipt[:40],
                                          secret[:100])
    return render(request, "public_status.html", {"status": found})
