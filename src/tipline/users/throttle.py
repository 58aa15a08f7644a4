"""Login throttling: lockout with backoff per account and per client address.

Every failed login (a page form or HTTP basic, staff or reporter) counts against the account
named and against the address it came from. After the free failures, each further failure
locks the account (or address) for `base * 2**n` seconds, at most `cap`. A locked attempt is
refused *before* any password is checked, so a flood of guesses costs the server no scrypt
hash; a successful login clears its account's count (not the address's: one right password
must not reset a spray over many accounts).

Counts live in the memory of each serving process (bounded), not in the database: a lookup
costs nothing, and a restart forgets them, which only shortens a lockout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tipline.errors import DomainError

MAX_TRACKED = 50_000  # keys remembered at most; a spray over more cannot grow memory further


class LoginThrottled(DomainError):
    """Too many failed logins for this account or address: try again later (429)."""

    code, http_status, kind = 3000, 429, "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    free_per_account: int = 5
    free_per_address: int = 20
    base_seconds: float = 30.0
    cap_seconds: float = 900.0


@dataclass
class _Count:
    failures: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    def __init__(self, policy: ThrottlePolicy,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self._counts: dict[tuple[str, str], _Count] = {}
        self._lock = threading.Lock()

    def check(self, username: str, address: str | None) -> None:
        """Raise LoginThrottled when the account or the address is locked now."""
        now = self.clock()
        with self._lock:
            for key, what in self._keys(username, address):
                count = self._counts.get(key)
                if count is not None and count.locked_until > now:
                    wait = max(1, round(count.locked_until - now + 0.5))
                    raise LoginThrottled(
                        f"too many failed logins for this {what}: try again in {wait} s",
                        wait)

    def failed(self, username: str, address: str | None) -> None:
        now = self.clock()
        with self._lock:
            if len(self._counts) > MAX_TRACKED:
                self._forget_unlocked(now)
            for key, _what in self._keys(username, address):
                count = self._counts.setdefault(key, _Count())
                count.failures += 1
                free = (self.policy.free_per_account if key[0] == "account"
                        else self.policy.free_per_address)
                beyond = count.failures - free
                if beyond >= 0:
                    lock = min(self.policy.cap_seconds, self.policy.base_seconds * 2 ** beyond)
                    count.locked_until = now + lock

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._counts.pop(("account", _account(username)), None)

    def failures(self, username: str) -> int:
        with self._lock:
            count = self._counts.get(("account", _account(username)))
            return count.failures if count else 0

    def _forget_unlocked(self, now: float) -> None:
        self._counts = {k: c for k, c in self._counts.items() if c.locked_until > now}
        if len(self._counts) > MAX_TRACKED:  # all locked: drop the lot rather than grow
            self._counts.clear()

    @staticmethod
    def _keys(username: str, address: str | None) -> list[tuple[tuple[str, str], str]]:
        keys = [(("account", _account(username)), "account")]
        if address:
            keys.append((("address", address), "address"))
        return keys


def _account(username: str) -> str:
    return username.strip().lower()[:200]
