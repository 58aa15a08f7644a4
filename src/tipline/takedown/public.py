"""Reports from the public: URLs and a description, anonymous unless a contact is given; a
receipt number and a secret to check the status later. Nothing given is ever fetched."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from tipline.errors import DomainError, Invalid, NotFound
from tipline.takedown import service, store
from tipline.takedown.models import PublicReport
from tipline.takedown.urls import UrlRefused, normalise

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread (no O/0, I/1)
PUBLIC_STATUS = {"new": "received, waiting for assessment", "held": "action under way",
                 "illegal": "action under way", "noticed": "the host has been notified",
                 "removed": "removed", "not_illegal": "assessed: no action"}


class TooMany(DomainError):
    """Too many reports from one address in the last hour (429)."""

    code, http_status, kind = 4000, 429, "rate_limited"


def sender_key(secret: str, address: str) -> str:
    """A keyed hash of the sender's address: enough to count, never the address itself."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()


def parse_urls(text: str, max_urls: int, allow_loopback: bool) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise Invalid("give at least one URL")
    if len(lines) > max_urls:
        raise Invalid(f"at most {max_urls} URLs per report ({len(lines)} given); send the "
                      "rest in another report")
    for number, line in enumerate(lines, 1):
        try:
            normalise(line, allow_loopback)
        except UrlRefused as exc:
            raise Invalid(f"URL on line {number}: {exc.message}") from exc
    return lines


def submit(session: Session, urls: list[str], description: str, contact: str | None,
           sender: str, allow_loopback: bool, now: dt.datetime) -> tuple[str, str]:
    receipt = "P-" + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    secret = secrets.token_urlsafe(18)
    report = PublicReport(receipt=receipt, description=description, contact=contact or None,
                          sender=sender, created_at=now,
                          secret_hash=hashlib.sha256(secret.encode()).hexdigest())
    session.add(report)
    session.flush()
    for given in dict.fromkeys(urls):
        service.record_url(session, normalise(given, allow_loopback), given, now,
                           public_report_id=report.id)
    return receipt, secret


def check_rate(session: Session, sender: str, per_hour: int, now: dt.datetime) -> None:
    if store.sent_recently(session, sender, now - dt.timedelta(hours=1)) >= per_hour:
        raise TooMany("too many reports from your address in the last hour; please try "
                      "again later")


def status(session: Session, receipt: str, secret: str
           ) -> tuple[PublicReport, list[tuple[str, str]]]:
    """The report and what became of each URL, in words for the public. A wrong receipt
    or secret is the same 404, so neither can be guessed one at a time."""
    report = store.public_report(session, receipt.strip().upper())
    given = hashlib.sha256(secret.strip().encode()).hexdigest()
    if report is None or not hmac.compare_digest(report.secret_hash, given):
        raise NotFound("no report with this receipt number and secret")
    return report, [(u.url, PUBLIC_STATUS.get(u.status, "received"))
                    for u in store.urls_of_public(session, report.id)]
