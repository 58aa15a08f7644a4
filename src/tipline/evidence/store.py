"""Evidence storage backends behind one small protocol; the local folder is the default."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from tipline.evidence.crypto import CHUNK, MAGIC, TAG
from tipline.evidence.envelope import (
    ENVELOPE_SIZE,
    LEGACY_ID,
    MAGIC2,
    Keyring,
    envelope,
    header_size,
    open_sealed,
    seal,
    unwrap,
)


class EvidenceStore(Protocol):
    def put(self, address: str, plaintext: BinaryIO) -> bool:
        """Store a file under its SHA-256 address; False if it was already there (it is then
        touched, which keeps a sweep running now from removing it). Refuses (ValueError)
        content whose SHA-256 is not the address."""

    def open(self, address: str) -> Iterator[bytes]:
        """Yield the decrypted content in chunks, verifying it as it goes."""

    def exists(self, address: str) -> bool: ...

    def rewrap(self, address: str) -> bool:
        """Wrap the file's data key with the current master key; False if it already was."""

    def spool_dir(self) -> Path:
        """A folder on the same file system for uploads in progress."""

    def written_before(self, cutoff: float) -> Iterator[str]:
        """Addresses of files last written or touched before `cutoff` (a POSIX time)."""

    def remove_if_untouched(self, address: str, cutoff: float) -> bool:
        """Remove a file unless a `put` wrote or touched it since `cutoff`; True if removed.
        Safe against a concurrent `put` of the same content: that one either keeps the file
        or writes it anew."""

    def recover(self, older_than: float) -> int:
        """Repair what an interrupted `put` or removal left behind; how many leftovers."""

    def sweeping(self) -> AbstractContextManager[None]:
        """Held for a whole sweep: raises SweepRunning while another sweep holds it."""


class SweepRunning(RuntimeError):
    pass


class LocalEvidenceStore:
    """Encrypted files in a folder, `ab/cd/<sha256>`; writes are atomic (temp file, fsync,
    rename) so a crash never leaves a half-written file under a valid address."""

    def __init__(self, root: Path, key: bytes | Keyring) -> None:
        self.root = root
        # A bare key: the only master key, which also wrote the files from before envelopes.
        self.keyring = key if isinstance(key, Keyring) else Keyring("k1", {"k1": key,
                                                                          LEGACY_ID: key})
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def _path(self, address: str) -> Path:
        if not _ADDRESS.fullmatch(address):
            raise ValueError(f"not a SHA-256 hex address: {address!r}")
        return self.root / address[:2] / address[2:4] / address

    def spool_dir(self) -> Path:
        return self.root / "tmp"

    def exists(self, address: str) -> bool:
        return self._path(address).exists()

    def put(self, address: str, plaintext: BinaryIO) -> bool:
        target = self._path(address)
        try:
            os.utime(target)  # the new last-written time protects it from a running sweep
            return False
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        chunks = _hashed(iter(lambda: plaintext.read(CHUNK), b""), digest)
        self._replace(target, _named(seal(self.keyring, address, chunks), digest, address))
        return True

    def open(self, address: str) -> Iterator[bytes]:
        path = self._path(address)
        if not path.exists():
            raise FileNotFoundError(f"no evidence stored at {address}")
        reads = _raw_reads(path)
        magic, header = next(reads)
        return open_sealed(self.keyring, address, magic, header, reads)

    def rewrap(self, address: str) -> bool:
        """Wrap the file's data key with the current master key (a new header, the content
        unchanged; a file from before envelopes is re-encrypted); False if it already was.
        Atomic: a reader sees the old file or the new one, and both open."""
        path = self._path(address)
        with path.open("rb") as raw:
            magic = raw.read(len(MAGIC))
            if magic == MAGIC2:
                key_id, data_key = unwrap(self.keyring, address,
                                          magic + raw.read(ENVELOPE_SIZE - len(MAGIC)))
                if key_id == self.keyring.current_id:
                    return False
                self._replace(path, _prepend(envelope(self.keyring, address, data_key),
                                             iter(lambda: raw.read(CHUNK), b"")))
                return True
        content = self.open(address)  # a TLE1 file: re-encrypted under an envelope
        self._replace(path, seal(self.keyring, address, content))
        return True

    def _replace(self, target: Path, parts: Iterator[bytes]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.spool_dir(), prefix="seal-")
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    out.write(part)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def written_before(self, cutoff: float) -> Iterator[str]:
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if _ADDRESS.fullmatch(path.name) and _mtime(path, default=cutoff) < cutoff:
                yield path.name

    def remove_if_untouched(self, address: str, cutoff: float) -> bool:
        target = self._path(address)
        parked = self.spool_dir() / f"{_PARKED}{address}"
        try:
            # Parked first: from here on a `put` of this content finds nothing to touch and
            # writes a fresh file, so only a touch from before this moment can matter.
            os.replace(target, parked)
        except FileNotFoundError:
            return False
        if parked.stat().st_mtime >= cutoff:
            _unpark(parked, target)  # a `put` touched it just before: it is wanted
            return False
        parked.unlink()
        _fsync_dir(target.parent)
        return True

    @contextlib.contextmanager
    def sweeping(self) -> Iterator[None]:
        # One sweep at a time (on this folder, from any process): a sweep's `recover` would
        # otherwise put back a file another sweep has just parked.
        with open(self.spool_dir() / ".sweep.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise SweepRunning("another evidence sweep is running; try again when it "
                                   "has finished") from exc
            yield

    def recover(self, older_than: float) -> int:
        leftovers = 0
        for parked in self.spool_dir().glob(f"{_PARKED}*"):
            # A removal interrupted between parking and deciding: put the file back, and let
            # the next sweep decide again.
            address = parked.name.removeprefix(_PARKED)
            if _ADDRESS.fullmatch(address):
                _unpark(parked, self._path(address))
                leftovers += 1
        for partial in self.spool_dir().glob("seal-*"):
            if _mtime(partial, default=older_than) < older_than:  # a crashed `put`'s temp file
                partial.unlink(missing_ok=True)
                leftovers += 1
        return leftovers


_ADDRESS = re.compile(r"[0-9a-f]{64}")
_PARKED = "sweep-"


def _mtime(path: Path, default: float) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # removed meanwhile
        return default


def _unpark(parked: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # a `put` wrote the same content meanwhile
        os.link(parked, target)
    parked.unlink()
    _fsync_dir(target.parent)


def _hashed(chunks: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _raw_reads(path: Path) -> Iterator[Any]:
    """(magic, the rest of the header), then the sealed chunks."""
    with path.open("rb") as raw:
        magic = raw.read(len(MAGIC))
        yield magic, raw.read(header_size(magic))
        yield from iter(lambda: raw.read(CHUNK + TAG), b"")


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _named(parts: Iterator[bytes], digest: Any, address: str) -> Iterator[bytes]:
    """The sealed parts, then a check that the content hashed to the address the caller
    computed, before the file is put in place: what was sealed must be what it named."""
    yield from parts
    if digest.hexdigest() != address:
        raise ValueError(f"the content does not hash to its address {address}")
