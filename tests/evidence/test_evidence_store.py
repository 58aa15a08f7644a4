from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from tipline.evidence.crypto import CHUNK, EvidenceIntegrityError
from tipline.evidence.service import EvidenceTooLarge, store_upload
from tipline.evidence.store import LocalEvidenceStore

KEY = os.urandom(32)


@pytest.fixture
def store(tmp_path: Path) -> LocalEvidenceStore:
    return LocalEvidenceStore(tmp_path / "evidence", KEY)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_round_trip_at_chunk_boundaries(store: LocalEvidenceStore, size: int) -> None:
    data = os.urandom(size)
    stored = store_upload(store, io.BytesIO(data), limit=10 * CHUNK)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.md5 == hashlib.md5(data).hexdigest()
    assert stored.sha1 == hashlib.sha1(data).hexdigest()
    assert stored.size == size
    assert b"".join(store.open(stored.sha256)) == data


class _Stream(io.RawIOBase):
    """A source that cannot seek (a streamed body): the upload is spooled to disk first."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("size", [0, CHUNK + 1])
def test_a_source_that_cannot_seek_is_spooled(store: LocalEvidenceStore, size: int) -> None:
    data = os.urandom(size)
    source = _Stream(data)
    assert not source.seekable()
    stored = store_upload(store, source, limit=10 * CHUNK)  # type: ignore[arg-type]
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == size
    assert b"".join(store.open(stored.sha256)) == data


def test_content_that_does_not_hash_to_its_address_is_refused(
        store: LocalEvidenceStore, tmp_path: Path) -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(ValueError, match="does not hash to its address"):
        store.put(wrong, io.BytesIO(b"content"))
    assert not store.exists(wrong)
    assert [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()] == []


def test_files_are_encrypted_at_rest(store: LocalEvidenceStore, tmp_path: Path) -> None:
    data = b"BENIGN-MARKER-" * 1000
    stored = store_upload(store, io.BytesIO(data), limit=CHUNK)
    raw = (tmp_path / "evidence" / stored.sha256[:2] / stored.sha256[2:4] / stored.sha256)
    assert b"BENIGN-MARKER" not in raw.read_bytes()


def test_same_content_is_stored_once(store: LocalEvidenceStore) -> None:
    first = store_upload(store, io.BytesIO(b"same"), limit=100)
    second = store_upload(store, io.BytesIO(b"same"), limit=100)
    assert first.newly_stored and not second.newly_stored


def test_oversized_upload_leaves_nothing(store: LocalEvidenceStore, tmp_path: Path) -> None:
    with pytest.raises(EvidenceTooLarge):
        store_upload(store, io.BytesIO(b"x" * 101), limit=100)
    files = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert files == []


def _stored_path(tmp_path: Path, address: str) -> Path:
    return tmp_path / "evidence" / address[:2] / address[2:4] / address


@pytest.mark.parametrize("damage", ["flip", "truncate", "drop_last_chunk", "swap_chunks"])
def test_tampering_is_detected(store: LocalEvidenceStore, tmp_path: Path, damage: str) -> None:
    stored = store_upload(store, io.BytesIO(os.urandom(2 * CHUNK + 5)), limit=4 * CHUNK)
    path = _stored_path(tmp_path, stored.sha256)
    raw = bytearray(path.read_bytes())
    header, sealed = 16, CHUNK + 16
    if damage == "flip":
        raw[header + 10] ^= 1
    elif damage == "truncate":
        raw = raw[:-3]
    elif damage == "drop_last_chunk":
        raw = raw[: header + 2 * sealed]
    else:
        first, second = raw[header:header + sealed], raw[header + sealed:header + 2 * sealed]
        raw[header:header + 2 * sealed] = second + first
    path.write_bytes(bytes(raw))
    with pytest.raises(EvidenceIntegrityError):
        b"".join(store.open(stored.sha256))


def test_wrong_key_is_detected(store: LocalEvidenceStore, tmp_path: Path) -> None:
    stored = store_upload(store, io.BytesIO(b"content"), limit=100)
    other = LocalEvidenceStore(tmp_path / "evidence", os.urandom(32))
    with pytest.raises(EvidenceIntegrityError):
        b"".join(other.open(stored.sha256))


def test_a_file_cannot_be_moved_to_another_address(store: LocalEvidenceStore,
                                                   tmp_path: Path) -> None:
    a = store_upload(store, io.BytesIO(b"first"), limit=100)
    b = store_upload(store, io.BytesIO(b"second"), limit=100)
    _stored_path(tmp_path, b.sha256).write_bytes(_stored_path(tmp_path, a.sha256).read_bytes())
    with pytest.raises(EvidenceIntegrityError):
        b"".join(store.open(b.sha256))


def test_addresses_are_validated(store: LocalEvidenceStore) -> None:
    with pytest.raises(ValueError):
        store.exists("../../etc/passwd")
