"""Streaming cryptographic digests (exact-match hashes) of evidence files.

MD5 and SHA-1 are not used for security here: they are the identifiers hotline and NCMEC hash
lists are keyed on, so we must compute them. SHA-256 is what tipline itself trusts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

CHUNK_SIZE = 1 << 20  # 1 MiB: large enough to amortise call overhead, small enough for RAM


@dataclass(frozen=True, slots=True)
class CryptoHashes:
    md5: str
    sha1: str
    sha256: str
    size: int


def hash_chunks(chunks: Iterable[bytes]) -> CryptoHashes:
    """Digest a stream of byte chunks in one pass (never holds the whole file)."""
    # usedforsecurity=False keeps MD5/SHA-1 available on FIPS-mode hosts.
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    size = 0
    for chunk in chunks:
        md5.update(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
    return CryptoHashes(md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size)


def hash_bytes(data: bytes) -> CryptoHashes:
    return hash_chunks((data,))


def _read_chunks(path: str | os.PathLike[str], chunk_size: int) -> Iterable[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            yield chunk


def hash_file(path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> CryptoHashes:
    """Digest a file from disk in ``chunk_size`` pieces."""
    return hash_chunks(_read_chunks(path, chunk_size))
