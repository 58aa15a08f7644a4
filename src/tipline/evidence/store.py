"""Evidence storage backends behind one small protocol; the local folder is the default."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from tipline.evidence.crypto import _HEADER, CHUNK, TAG, decrypt_stream, encrypt_chunks


class EvidenceStore(Protocol):
    def put(self, address: str, plaintext: BinaryIO) -> bool:
        """Store a file under its SHA-256 address; False if it was already there. Refuses
        (ValueError) content whose SHA-256 is not the address."""

    def open(self, address: str) -> Iterator[bytes]:
        """Yield the decrypted content in chunks, verifying it as it goes."""

    def exists(self, address: str) -> bool: ...

    def spool_dir(self) -> Path:
        """A folder on the same file system for uploads in progress."""


class LocalEvidenceStore:
    """Encrypted files in a folder, `ab/cd/<sha256>`; writes are atomic (temp file, fsync,
    rename) so a crash never leaves a half-written file under a valid address."""

    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self._key = key
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def _path(self, address: str) -> Path:
        if len(address) != 64 or not all(c in "0123456789abcdef" for c in address):
            raise ValueError(f"not a SHA-256 hex address: {address!r}")
        return self.root / address[:2] / address[2:4] / address

    def spool_dir(self) -> Path:
        return self.root / "tmp"

    def exists(self, address: str) -> bool:
        return self._path(address).exists()

    def put(self, address: str, plaintext: BinaryIO) -> bool:
        target = self._path(address)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        chunks = _hashed(iter(lambda: plaintext.read(CHUNK), b""), digest)
        fd, tmp = tempfile.mkstemp(dir=self.spool_dir(), prefix="seal-")
        try:
            with os.fdopen(fd, "wb") as out:
                for sealed in encrypt_chunks(self._key, address, chunks):
                    out.write(sealed)
                # The address was computed by the caller: what was sealed must be what it named.
                if digest.hexdigest() != address:
                    raise ValueError(f"the content does not hash to its address {address}")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def open(self, address: str) -> Iterator[bytes]:
        path = self._path(address)
        if not path.exists():
            raise FileNotFoundError(f"no evidence stored at {address}")
        return decrypt_stream(self._key, address, _raw_reads(path))


def _hashed(chunks: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _raw_reads(path: Path) -> Iterator[bytes]:
    with path.open("rb") as raw:
        yield raw.read(_HEADER.size)
        yield from iter(lambda: raw.read(CHUNK + TAG), b"")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
