"""Media hashing: pure functions, no database.

* :mod:`.crypto` - MD5/SHA-1/SHA-256 + size, streaming.
* :mod:`.kinds` - image/video detection from magic numbers.
* :mod:`.decode` - hardened Pillow decoding (allowlist, pixel budget, fast JPEG draft).
* :mod:`.pdq` - PDQ hashes (fast, or strict = python-threatexchange bit-for-bit).
* :mod:`.robust` - border stripping and bank-entry augmentation hashes.
* :mod:`.video` - vPDQ on PyAV, and Meta's vPDQ similarity.
"""

from tipline.hashing.crypto import CryptoHashes, hash_bytes, hash_chunks, hash_file
from tipline.hashing.errors import MediaError, MediaErrorCode
from tipline.hashing.kinds import media_kind
from tipline.hashing.pdq import PdqHash, pdq_dihedral, pdq_distance, pdq_hash
from tipline.hashing.robust import augmentation_hashes, query_hashes, strip_uniform_border
from tipline.hashing.video import VpdqFrame, vpdq_hash, vpdq_similarity

__all__ = [
    "CryptoHashes",
    "MediaError",
    "MediaErrorCode",
    "PdqHash",
    "VpdqFrame",
    "augmentation_hashes",
    "hash_bytes",
    "hash_chunks",
    "hash_file",
    "media_kind",
    "pdq_dihedral",
    "pdq_distance",
    "pdq_hash",
    "query_hashes",
    "strip_uniform_border",
    "vpdq_hash",
    "vpdq_similarity",
]
