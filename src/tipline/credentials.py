"""A cache of recently verified credentials, shared by reporter and staff authentication."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from typing import Generic, TypeVar

T = TypeVar("T")


class CredentialCache(Generic[T]):
    """Remembers recently verified credentials so that each API call does not pay for scrypt.

    Keys are an HMAC of username and password under a per-process secret, so the cache never
    holds a password, and a changed password misses it. Entries expire after `ttl_seconds`,
    which bounds how long a deactivated account or changed role keeps working in a process.
    """

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._secret = secrets.token_bytes(32)
        self._entries: dict[bytes, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def _key(self, username: str, password: str) -> bytes:
        return hmac.new(self._secret, f"{username}\0{password}".encode(), hashlib.sha256).digest()

    def get(self, username: str, password: str) -> T | None:
        key = self._key(username, password)
        with self._lock:
            hit = self._entries.get(key)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def put(self, username: str, password: str, value: T) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:  # bounded: a flood of bad logins cannot grow it
                self._entries.clear()
            self._entries[self._key(username, password)] = (time.monotonic() + self.ttl, value)
