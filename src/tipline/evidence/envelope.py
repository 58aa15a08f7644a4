"""Envelope encryption of evidence files: each file has its own random data key, wrapped by a
master key that has an id; rotating the master key re-wraps the data keys (a header rewrite
per file), never the content. Pure functions over bytes, no I/O.

Layout of a `TLE2` file: magic, the master key's id (16 bytes, ASCII, zero-padded), the wrap's
nonce (12) and the wrapped data key (32 + 16 tag), then the `TLE1` chunk layout from the nonce
prefix on (`crypto.py`), sealed with the data key. The wrap's associated data binds the
file's address and the key id, so a header cannot be moved to another file. `TLE1` files (one
key for everything, before envelopes) still open with the master key of id `LEGACY_ID` (the
key they were written with) and are re-encrypted into `TLE2` by a rotation.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tipline.evidence.crypto import (
    _HEADER,
    MAGIC,
    EvidenceIntegrityError,
    decrypt_stream,
    encrypt_chunks,
)

MAGIC2 = b"TLE2"
_ENVELOPE = struct.Struct(">4s16s12s48s")  # magic, key id, wrap nonce, wrapped data key
ENVELOPE_SIZE = _ENVELOPE.size
CHUNKS_HEADER_SIZE = _HEADER.size - len(MAGIC)  # nonce prefix and chunk size after the magic
LEGACY_ID = "legacy"  # the id a TLE1 file's key is looked up under


@dataclass(frozen=True)
class Keyring:
    """The master key files are wrapped with now, and the earlier ones still needed to open
    files not yet re-wrapped (`tipline keys rotate`)."""

    current_id: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current_id not in self.keys:
            raise ValueError("the current master key must be in the keyring")
        for key_id, key in self.keys.items():
            if not key_id.isascii() or not 0 < len(key_id) <= 16 or len(key) != 32:
                raise ValueError(f"master key {key_id!r}: an ASCII id of at most 16 "
                                 "characters and 32 bytes are needed")

    def key(self, key_id: str, address: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise EvidenceIntegrityError(
                f"evidence {address}: sealed with master key {key_id!r}, which is not "
                "configured (TIPLINE_EVIDENCE_RETIRED_KEYS)") from None


def _wrap_aad(address: str, key_id: str) -> bytes:
    return b"tipline-evidence-key|" + address.encode() + b"|" + key_id.encode()


def envelope(keyring: Keyring, address: str, data_key: bytes) -> bytes:
    """The header that names the current master key and carries the wrapped data key."""
    key_id = keyring.current_id
    nonce = os.urandom(12)
    wrapped = AESGCM(keyring.keys[key_id]).encrypt(nonce, data_key, _wrap_aad(address, key_id))
    return _ENVELOPE.pack(MAGIC2, key_id.encode().ljust(16, b"\0"), nonce, wrapped)


def unwrap(keyring: Keyring, address: str, header: bytes) -> tuple[str, bytes]:
    """(master key id, data key) from a TLE2 header."""
    if len(header) != ENVELOPE_SIZE:
        raise EvidenceIntegrityError(f"evidence {address}: missing header")
    _magic, raw_id, nonce, wrapped = _ENVELOPE.unpack(header)
    key_id = raw_id.rstrip(b"\0").decode("ascii", "replace")
    try:
        data_key = AESGCM(keyring.key(key_id, address)).decrypt(
            nonce, wrapped, _wrap_aad(address, key_id))
    except InvalidTag as exc:
        raise EvidenceIntegrityError(f"evidence {address}: its data key does not unwrap "
                                     f"with master key {key_id!r}") from exc
    return key_id, data_key


def seal(keyring: Keyring, address: str, plaintext: Iterable[bytes]) -> Iterator[bytes]:
    """A TLE2 file: the envelope, then the content sealed with a fresh data key."""
    data_key = os.urandom(32)
    yield envelope(keyring, address, data_key)
    chunks = encrypt_chunks(data_key, address, plaintext)
    yield next(chunks)[len(MAGIC):]  # TLE1's header without its magic: prefix, chunk size
    yield from chunks


def open_sealed(keyring: Keyring, address: str, magic: bytes, header: bytes,
                chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Decrypt a file given its magic, the rest of its header and its raw chunks."""
    if magic == MAGIC:
        key = keyring.key(LEGACY_ID, address)
        return decrypt_stream(key, address, _prepend(magic + header, chunks))
    if magic != MAGIC2:
        raise EvidenceIntegrityError(f"evidence {address}: not a tipline evidence file")
    _key_id, data_key = unwrap(keyring, address, magic + header[:ENVELOPE_SIZE - len(MAGIC)])
    rest = MAGIC + header[ENVELOPE_SIZE - len(MAGIC):]
    return decrypt_stream(data_key, address, _prepend(rest, chunks))


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def header_size(magic: bytes) -> int:
    """Bytes after the magic up to the first chunk."""
    if magic == MAGIC2:
        return ENVELOPE_SIZE - len(MAGIC) + CHUNKS_HEADER_SIZE
    return CHUNKS_HEADER_SIZE
