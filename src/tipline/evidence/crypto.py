"""Chunked AES-256-GCM for evidence files: pure functions over byte chunks, no I/O.

Files can be hundreds of megabytes, so they are sealed in 1 MiB chunks rather than in one GCM
call. Each chunk's nonce is a random per-file prefix plus the chunk counter, and its associated
data binds the content address, the counter and a final-chunk flag: chunks cannot be reordered,
swapped between files or cut off at the end without the decryption failing.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"TLE1"
CHUNK = 1024 * 1024
TAG = 16
_HEADER = struct.Struct(">4s8sI")  # magic, nonce prefix, chunk size


class EvidenceIntegrityError(Exception):
    """The stored file does not decrypt: wrong key, tampering or truncation."""


def _aad(address: str, counter: int, final: bool) -> bytes:
    return address.encode() + struct.pack(">I?", counter, final)


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter)


def _lookahead(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Yield (chunk, is_last); an empty input yields one empty final chunk."""
    previous: bytes | None = None
    for chunk in chunks:
        if previous is not None:
            yield previous, False
        previous = chunk
    yield (previous if previous is not None else b""), True


def encrypt_chunks(key: bytes, address: str, plaintext: Iterable[bytes]) -> Iterator[bytes]:
    aead = AESGCM(key)
    prefix = os.urandom(8)
    yield _HEADER.pack(MAGIC, prefix, CHUNK)
    for counter, (chunk, final) in enumerate(_lookahead(plaintext)):
        if len(chunk) > CHUNK:
            raise ValueError("plaintext chunks must be at most CHUNK bytes")
        yield aead.encrypt(_nonce(prefix, counter), chunk, _aad(address, counter, final))


def decrypt_stream(key: bytes, address: str, read: Iterator[bytes]) -> Iterator[bytes]:
    """Decrypt a stored file given as raw reads of `CHUNK + TAG` bytes after the header."""
    aead = AESGCM(key)
    header = next(read, b"")
    if len(header) != _HEADER.size:
        raise EvidenceIntegrityError(f"evidence {address}: missing header")
    magic, prefix, _chunk_size = _HEADER.unpack(header)
    if magic != MAGIC:
        raise EvidenceIntegrityError(f"evidence {address}: not a tipline evidence file")
    for counter, (sealed, final) in enumerate(_lookahead(read)):
        try:
            yield aead.decrypt(_nonce(prefix, counter), sealed, _aad(address, counter, final))
        except InvalidTag as exc:
            raise EvidenceIntegrityError(
                f"evidence {address}: chunk {counter} failed authentication"
            ) from exc
