"""The handler of the `outcome-webhook` work queue: one signed notice of one outcome to one
reporter organisation, through the one outbound client (address policy, time and size
limits) and signed as deliveries are (`X-Tipline-Signature`, the reporter's own secret).

A notice whose receiver fails is retried by the work queue with its backoff; a receiver must
answer `{"received": true}` (the rule deliveries use), and the `Idempotency-Key` lets it drop
a notice it already applied. The notice is sent while the completing transaction is open:
the receivers are few and each request is bounded by the outbound policy's total time limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from tipline.db import utcnow
from tipline.delivery.http_client import OutboundClient, OutboundError
from tipline.delivery.rules import SIGNATURE_HEADER, canonical_json, judge_ack, sign
from tipline.outcomes import rules, service, store
from tipline.outcomes.models import Outcome
from tipline.workqueue.items import Item


class NoticeNotSent(Exception):
    """The receiver did not take the notice; the work queue retries it."""


def send_notice(client: Callable[[], OutboundClient], session: Session, item: Item) -> None:
    outcome = session.get(Outcome, int(item.payload["outcome_id"]))
    reporter_id = int(item.payload["reporter_id"])
    hook = store.webhook(session, reporter_id)
    if outcome is None or hook is None or not hook.active:
        return  # nothing to tell, or nobody to tell it to any more
    if rules.is_held(outcome.held_until, utcnow()):
        raise NoticeNotSent(f"outcome {outcome.id} is confidential until "
                            f"{outcome.held_until}")
    document = service.notice(session, outcome, reporter_id)
    body = canonical_json(document)
    headers = {"Content-Type": "application/json",
               SIGNATURE_HEADER: sign(hook.secret, int(time.time()), body),
               "Idempotency-Key": document["notice_id"]}
    outbound = client()
    try:
        response = outbound.post(hook.url, body, headers)
    except OutboundError as exc:
        raise NoticeNotSent(f"{type(exc).__name__}: {exc}") from exc
    finally:
        outbound.close()
    result = judge_ack(response.status, response.body)
    if not result.ok:
        raise NoticeNotSent(result.error or "not acknowledged")
