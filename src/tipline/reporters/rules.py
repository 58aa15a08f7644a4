"""Credential hashing: pure functions, no I/O.

scrypt (in the standard library) is memory-hard, so a stolen credentials table is expensive to
brute-force. The stored form names its parameters so they can be raised later without breaking
old hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

REPORTER_KINDS = ("platform", "hotline", "trusted_flagger", "ngo", "public", "law_enforcement")
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"scrypt${_N}${_R}${_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(digest, expected)


def check_new_password(password: str) -> None:
    if len(password) < 12:
        raise ValueError("a reporter password must have at least 12 characters")
