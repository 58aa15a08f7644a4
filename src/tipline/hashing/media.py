"""Every hash tipline computes for one reported file, from one decode of it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from PIL import Image

from tipline.hashing.crypto import CryptoHashes, hash_bytes
from tipline.hashing.decode import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_MEMORY_BUDGET,
    fast_array,
    open_image,
)
from tipline.hashing.errors import MediaError
from tipline.hashing.hard import query_images
from tipline.hashing.kinds import media_kind
from tipline.hashing.pdq import dihedral_of_array, hash_array
from tipline.hashing.robust import uniform_border_box
from tipline.hashing.video import VpdqFrame, vpdq_hash


@dataclass(frozen=True)
class MediaHashes:
    crypto: CryptoHashes
    kind: str  # image | video | other
    pdq: dict[str, str] = field(default_factory=dict)  # label -> hex: original, rot90 ... stripped
    quality: int | None = None
    frames: list[VpdqFrame] = field(default_factory=list)
    error: str | None = None  # why the media could not be decoded (the file is still kept)
    head: bytes = b""  # the file's first bytes: what its content is (`kinds.describe_content`)

    @property
    def vpdq_digest(self) -> str:
        """A short stable name for a frame list (the frames themselves are kept in detail)."""
        joined = ",".join(f.hex for f in self.frames)
        return hashlib.sha256(joined.encode()).hexdigest()


VARIANT_SIDE = 512  # the longest side the hard-copy variants are cut from


def variant_source(image: Image.Image) -> Image.Image:
    """The picture the hard-copy variants are cut from: its luma at most about VARIANT_SIDE
    pixels a side. PDQ sees only luma, filtered down to 64x64, so nothing it would see is
    lost, and a large image's variants stay within the decoding memory budget."""
    factor = max(image.size) // VARIANT_SIDE
    if factor >= 2 and image.mode in ("RGB", "L"):  # reduced first: no full-size copy
        return image.reduce(factor).convert("L")
    # A palette or alpha image becomes luma first (reducing RGBA makes a full-size copy).
    small = image.convert("L")
    return small.reduce(factor) if factor >= 2 else small


def hash_media(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS,
               memory_budget: int = DEFAULT_MEMORY_BUDGET) -> MediaHashes:
    """Cryptographic hashes always; PDQ with its 8 rotations/mirrors (and of the image without
    its uniform border, if it has one, turned upright if it was tilted on a filled canvas,
    without a caption bar, and of its halves and thirds: hashing/hard.py) for images; vPDQ
    frames for videos. A file that cannot be decoded gets its error, never an exception: the
    rest of the report is still processed."""
    crypto = hash_bytes(data)
    kind = media_kind(data)
    head = data[:512]
    try:
        if kind == "image":
            image = open_image(data, max_pixels=max_pixels, fast=True,
                               memory_budget=memory_budget)
            hashes, quality = dihedral_of_array(fast_array(image))
            box = uniform_border_box(image)
            if box is not None:
                hashes["stripped"] = hash_array(fast_array(image.crop(box))).hex
            for label, part in query_images(variant_source(image)):  # tilted, captioned...
                if min(part.size) > 0:  # a tiny image's region may have no pixels
                    hashes[label] = hash_array(fast_array(part)).hex
            return MediaHashes(crypto, "image", hashes, quality, head=head)
        if kind == "video":
            return MediaHashes(crypto, "video", frames=vpdq_hash(data), head=head)
    except MediaError as exc:
        return MediaHashes(crypto, kind or "other", error=str(exc), head=head)
    return MediaHashes(crypto, "other", head=head)
