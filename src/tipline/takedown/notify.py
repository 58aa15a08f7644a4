"""Sending a notice: e-mail through SMTP, or a signed webhook through delivery's outbound
client (with its address policy). A failure raises `NoticeFailed`, and the notice queue
retries it with backoff, so a mail server that is down loses nothing."""

from __future__ import annotations

import json
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from tipline.delivery.http_client import OutboundClient, OutboundError
from tipline.delivery.rules import SIGNATURE_HEADER, sign


class NoticeFailed(Exception):
    """Sending failed; worth another attempt later."""


@dataclass(frozen=True)
class Outgoing:
    notice_id: int
    channel: str
    contact: str
    subject: str
    body: str
    url: str


@dataclass
class NoticeSender:
    smtp_host: str
    smtp_port: int
    sender: str
    webhook_secret: str
    client: Callable[[], OutboundClient]
    timeout: float = 30.0

    def send(self, notice: Outgoing) -> str:
        """Send it; what the other side answered (for the history)."""
        if notice.channel == "email":
            return self._mail(notice)
        if notice.channel == "webhook":
            return self._webhook(notice)
        raise NoticeFailed(f"unknown channel {notice.channel!r}")

    def _mail(self, notice: Outgoing) -> str:
        message = EmailMessage()
        message["From"], message["To"] = self.sender, notice.contact
        message["Subject"] = notice.subject
        message["Message-ID"] = make_msgid(f"notice-{notice.notice_id}")
        message.set_content(notice.body)
        try:
            with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self.timeout) as smtp:
                refused = smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise NoticeFailed(f"SMTP {self.smtp_host}:{self.smtp_port}: {exc}") from exc
        if refused:
            raise NoticeFailed(f"the mail server refused {', '.join(refused)}")
        return f"mailed to {notice.contact}"

    def _webhook(self, notice: Outgoing) -> str:
        body = json.dumps({"notice": notice.notice_id, "url": notice.url,
                           "subject": notice.subject, "text": notice.body},
                          sort_keys=True).encode()
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: sign(self.webhook_secret, int(time.time()), body)}
        try:
            answer = self.client().post(notice.contact, body, headers)
        except OutboundError as exc:
            raise NoticeFailed(str(exc)) from exc
        if not 200 <= answer.status < 300:
            raise NoticeFailed(f"the webhook answered HTTP {answer.status}")
        return f"webhook answered HTTP {answer.status}"
