"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), for staff second factors.

Pure functions: SHA-1, 30-second steps, 6 digits (what every authenticator app uses). A code
is accepted for the current step and one step either side (clock drift).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits, base32 without padding (RFC 4226 recommends at least 128)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.strip().replace(" ", "").upper()
    return base64.b32decode(padded + "=" * (-len(padded) % 8))


def hotp(secret: str, counter: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** DIGITS).zfill(DIGITS)


def totp(secret: str, at: float | None = None) -> str:
    return hotp(secret, int((time.time() if at is None else at) // STEP_SECONDS))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code this is (within the drift window), else None. The caller
    refuses a step already used, so a code seen over a shoulder cannot be replayed."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    step = int((time.time() if at is None else at) // STEP_SECONDS)
    # Compare against every step in the window (no early exit: the time does not tell which).
    matches = [step + d for d in range(-DRIFT_STEPS, DRIFT_STEPS + 1)
               if hmac.compare_digest(hotp(secret, step + d), code)]
    return matches[-1] if matches else None


def verify(secret: str, code: str, at: float | None = None) -> bool:
    return matching_step(secret, code, at) is not None


def provisioning_uri(secret: str, username: str, issuer: str = "tipline") -> str:
    """The otpauth:// URI an authenticator app reads (typed in, or shown as a QR code)."""
    label = quote(f"{issuer}:{username}")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1",
                       "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"
