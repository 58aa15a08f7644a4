"""Pure rules of delivery: case versions, idempotency keys, signatures, acknowledgements,
backoff and percentiles. No I/O here, so every rule is tested without a database or a network."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-Tipline-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
# A delivery in one of these states already carries (or carried) its case version to the agency:
# a second row for the same version would make the receiver see an unchanged case twice.
LIVE_STATUSES = ("pending", "delivered", "acknowledged")


def canonical_json(value: Any) -> bytes:
    """One byte form per value, so equal content always has an equal digest."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def case_version(content: dict[str, Any]) -> str:
    """The version of a case is the SHA-256 of its content: unchanged content, same version."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


def idempotency_key(case_id: int, agency_id: int, version: str) -> str:
    return f"case-{case_id}-agency-{agency_id}-v{version[:16]}"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex>`: HMAC-SHA256 over `<t>.<body>`; the timestamp inside the MAC stops a
    captured request from being replayed later."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int,
           tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """What a receiver runs on `X-Tipline-Signature` (also used by the test agencies)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class AckResult:
    ok: bool
    detail: dict[str, Any]
    error: str | None = None
    final: bool = False  # retrying cannot help (a refused destination): a dead letter now


def judge_ack(status: int, body: bytes) -> AckResult:
    """An acknowledgement is a 2xx whose JSON body says `"received": true`; anything else is a
    failed attempt (a 2xx from a misconfigured proxy must not count as delivery)."""
    detail: dict[str, Any] = {"status": status}
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        detail["body"] = {k: v for k, v in parsed.items() if isinstance(k, str)}
    if not 200 <= status < 300:
        return AckResult(False, detail, f"HTTP {status}")
    if not isinstance(parsed, dict) or parsed.get("received") is not True:
        return AckResult(False, detail, 'invalid acknowledgement: no {"received": true}')
    return AckResult(True, detail)


def backoff(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: spreads retries of many deliveries to an agency
    that comes back, instead of hitting it all at once."""
    ceiling = min(cap, base * 2.0 ** max(0, attempts - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def retry_wait(attempts: int, base: float, cap: float, deadline_left: float | None,
               rng: random.Random | None = None) -> float:
    """Backoff that never sleeps through the last chances before a case's deadline: with the
    deadline near, retry at least every quarter of the time left (never faster than `base`),
    so an agency that comes back shortly before the deadline still gets the case in time."""
    return near_deadline(backoff(attempts, base, cap, rng), base, deadline_left)


def near_deadline(wait: float, base: float, deadline_left: float | None) -> float:
    """`wait`, shortened to a quarter of the time left before the deadline (never below
    `base`): the deadline-aware part of `retry_wait`."""
    if deadline_left is not None and deadline_left > 0:
        wait = min(wait, max(base, deadline_left / 4))
    return wait


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def seconds_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()
