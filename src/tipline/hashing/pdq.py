"""PDQ perceptual hashes of images (Meta's PDQ via the ``pdqhash`` C++ binding).

Two modes:

* ``fast=True`` (default, intake): JPEG DCT decoded at reduced scale, luma only. Hashes drift
  a few bits from full resolution (measured in docs/benchmarks-hashing.md), far below the
  match threshold of 31, at several times the throughput.
* ``fast=False`` (strict): full decode, bit-for-bit equal to python-threatexchange's
  ``PdqSignal.hash_from_bytes`` for RGB/RGBA/greyscale images. Use it when exchanging hashes
  with partners who compare exact values, or when hashing bank entries.

Quality below 50 (flat or tiny images) is unreliable for matching. python-threatexchange then
returns an empty hash; we keep the hash (it is still a valid exact-ish fingerprint and costs
nothing to store) but flag it ``low_quality`` so matching code can skip it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image

from tipline.hashing.decode import DEFAULT_MAX_PIXELS, fast_array, open_image, strict_array

QUALITY_THRESHOLD = 50
MATCH_DISTANCE = 31  # Meta's recommended "confident match" Hamming distance

# Order of pdqhash.compute_dihedral's outputs, verified by hashing transposed images
# (tests/hashing/test_pdq.py). Names follow PIL.Image.Transpose: rot90 is 90 degrees
# counter-clockwise; flip_h mirrors left-right; flip_v mirrors top-bottom.
DIHEDRAL_NAMES: tuple[str, ...] = (
    "original",
    "rot90",
    "rot180",
    "rot270",
    "flip_v",
    "flip_h",
    "transpose",
    "transverse",
)


@dataclass(frozen=True, slots=True)
class PdqHash:
    hex: str  # 64 lowercase hex chars, python-threatexchange's format
    quality: int  # 0-100

    @property
    def low_quality(self) -> bool:
        return self.quality < QUALITY_THRESHOLD


def bits_to_hex(bits: np.ndarray) -> str:
    """256 bits (most significant first, as pdqhash returns them) to 64 lowercase hex chars.

    Same string as threatexchange's ``"%0*X" % (64, int(bin_str, 2))`` lower-cased, but
    without the 256-character intermediate string.
    """
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def hex_to_int(hex_hash: str) -> int:
    if len(hex_hash) != 64:
        raise ValueError(f"PDQ hash must be 64 hex chars, got {len(hex_hash)}")
    return int(hex_hash, 16)


def pdq_distance(a: str, b: str) -> int:
    """Hamming distance between two hex PDQ hashes (0-256)."""
    return (hex_to_int(a) ^ hex_to_int(b)).bit_count()


def pack_hashes(hexes: list[str]) -> np.ndarray:
    """Hex hashes to an (n, 4) uint64 matrix, for vectorised distances."""
    if not hexes:
        return np.zeros((0, 4), dtype=np.uint64)
    return (
        np.frombuffer(bytes.fromhex("".join(hexes)), dtype=">u8").astype(np.uint64).reshape(-1, 4)
    )


def hamming_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) Hamming distances between two :func:`pack_hashes` matrices."""
    dist: np.ndarray = np.bitwise_count(a[:, None, :] ^ b[None, :, :]).sum(axis=2, dtype=np.int32)
    return dist


def hash_array(arr: np.ndarray) -> PdqHash:
    """PDQ of an HxWx3 uint8 array (RGB; only luma is used)."""
    bits, quality = pdqhash.compute(arr)
    return PdqHash(bits_to_hex(bits), int(quality))


def hash_image(img: Image.Image, *, fast: bool = True) -> PdqHash:
    """PDQ of an already decoded image."""
    return hash_array(fast_array(img) if fast else strict_array(img))


def pdq_hash(
    image_bytes: bytes, *, fast: bool = True, max_pixels: int = DEFAULT_MAX_PIXELS
) -> PdqHash:
    """PDQ hash and quality of an image file. Raises :class:`MediaError` on bad input."""
    return hash_image(open_image(image_bytes, max_pixels=max_pixels, fast=fast), fast=fast)


def dihedral_of_array(arr: np.ndarray) -> tuple[dict[str, str], int]:
    """The 8 rotation/mirror hashes of an array (one DCT pass, cheaper than 8 hashes)."""
    hashes, quality = pdqhash.compute_dihedral(arr)
    return {n: bits_to_hex(h) for n, h in zip(DIHEDRAL_NAMES, hashes, strict=True)}, int(quality)


def pdq_dihedral(
    image_bytes: bytes, *, fast: bool = True, max_pixels: int = DEFAULT_MAX_PIXELS
) -> dict[str, str]:
    """Hashes of the image as if rotated/mirrored, keyed by :data:`DIHEDRAL_NAMES`.

    ``result["rot90"]`` is (within a few bits) the hash of the image rotated 90 degrees
    counter-clockwise, so storing all eight lets rotated or mirrored re-posts match.
    """
    img = open_image(image_bytes, max_pixels=max_pixels, fast=fast)
    return dihedral_of_array(fast_array(img) if fast else strict_array(img))[0]
