import hashlib
from pathlib import Path

from tipline.hashing.crypto import CryptoHashes, hash_bytes, hash_chunks, hash_file


def _expected(data: bytes) -> CryptoHashes:
    return CryptoHashes(
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        len(data),
    )


def test_known_vector() -> None:
    h = hash_bytes(b"abc")
    assert h.md5 == "900150983cd24fb0d6963f7d28e17f72"
    assert h.sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert h.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert h.size == 3


def test_chunking_does_not_change_result() -> None:
    data = bytes(range(256)) * 1000
    pieces = [data[i : i + 777] for i in range(0, len(data), 777)]
    assert hash_chunks(pieces) == hash_bytes(data) == _expected(data)


def test_empty() -> None:
    assert hash_chunks([]) == _expected(b"")


def test_file(tmp_path: Path) -> None:
    data = b"x" * 3_000_001
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert hash_file(path, chunk_size=65536) == _expected(data)
