"""Making PDQ match re-posted copies: border stripping (query side) and augmented bank hashes.

PDQ survives re-compression and resizing but not large geometric edits: a letterbox, a
rotation or a one-sided crop moves the content and flips many bits. Rather than a slower
matcher, we spend storage: each bank entry stores hashes of its rotations/mirrors and of a
few crops, and each query additionally hashes itself with uniform borders removed. The
recall gained and the false matches paid are measured by benchmarks/robustness.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from tipline.hashing.decode import DEFAULT_MAX_PIXELS, fast_array, open_image, strict_array
from tipline.hashing.hard import bank_images, query_images
from tipline.hashing.pdq import dihedral_of_array, hash_array

BORDER_TOLERANCE = 16  # luma levels; absorbs JPEG ringing next to a flat bar
BORDER_LINE_FRACTION = 0.98  # share of a row/column that must be flat (tolerates a logo)
MIN_KEEP_FRACTION = 0.25  # never strip more than 3/4 of a side: it is content, not border

# Crops stored for bank entries, as (label, left, top, right, bottom) fractions removed.
# Measured on generated photo-like images, PDQ loses ~20 bits per 1% cropped off every side
# and ~25 bits per 2% off one side, so the grid must be dense: centre crops every 2% and
# one-sided crops every 3%, up to 12%. Crops are hashed in the original orientation only
# (one PDQ each); rotated *and* cropped copies are not covered.
BANK_CROPS: tuple[tuple[str, float, float, float, float], ...] = (
    *((f"crop{p}", p / 100, p / 100, p / 100, p / 100) for p in (2, 4, 6, 8, 10)),
    *((f"cut_left{p}", p / 100, 0.0, 0.0, 0.0) for p in (3, 6, 9, 12)),
    *((f"cut_top{p}", 0.0, p / 100, 0.0, 0.0) for p in (3, 6, 9, 12)),
    *((f"cut_right{p}", 0.0, 0.0, p / 100, 0.0) for p in (3, 6, 9, 12)),
    *((f"cut_bottom{p}", 0.0, 0.0, 0.0, p / 100) for p in (3, 6, 9, 12)),
)


_BLOCK = 64  # lines converted and judged at a time


def _flat_run(block: Callable[[int, int], np.ndarray], count: int) -> int:
    """How many leading lines are flat and the colour of the first one. `block(i, j)` gives
    lines i..j-1 (in scan order) as rows of luma.

    A block of lines at a time, stopping at the first line that is not flat: hashing never
    holds a full-size copy of the image for this (whole-image luma and float copies once
    took most of the memory hashing a large image needed)."""
    ref: np.float32 | None = None
    for start in range(0, count, _BLOCK):
        lines = block(start, min(start + _BLOCK, count)).astype(np.float32)
        if ref is None:
            ref = np.float32(np.median(lines[0]))
        flat = (np.abs(lines - ref) <= BORDER_TOLERANCE).mean(axis=1) >= BORDER_LINE_FRACTION
        if not flat.all():
            return start + int(flat.argmin())
    return count


def _luma(img: Image.Image, box: tuple[int, int, int, int]) -> np.ndarray:
    return np.asarray(img.crop(box).convert("L"))


def uniform_border_box(img: Image.Image) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the content inside near-uniform borders, or None.

    None means there is no border, or that stripping would leave less than
    ``MIN_KEEP_FRACTION`` of a side (a flat image is not "all border").
    """
    w, h = img.size
    top = _flat_run(lambda i, j: _luma(img, (0, i, w, j)), h)
    bottom = h - _flat_run(lambda i, j: _luma(img, (0, h - j, w, h - i))[::-1], h)
    if bottom - top < max(8, h * MIN_KEEP_FRACTION):
        return None
    # Columns are judged only within the rows that survived, so a letterbox does not hide
    # a pillarbox (and vice versa).
    left = _flat_run(lambda i, j: _luma(img, (i, top, j, bottom)).T, w)
    right = w - _flat_run(lambda i, j: _luma(img, (w - j, top, w - i, bottom)).T[::-1], w)
    if right - left < max(8, w * MIN_KEEP_FRACTION):
        return None
    if (left, top, right, bottom) == (0, 0, w, h):
        return None
    return left, top, right, bottom


def strip_uniform_border(img: Image.Image) -> Image.Image:
    """``img`` with near-uniform borders (letterbox, pillarbox, frames) cropped off.

    Returns the image unchanged when there is no border or when it is (nearly) flat.
    """
    box = uniform_border_box(img)
    return img if box is None else img.crop(box)


def _array(img: Image.Image, fast: bool) -> np.ndarray:
    return fast_array(img) if fast else strict_array(img)


def query_hashes(
    image_bytes: bytes, *, fast: bool = True, max_pixels: int = DEFAULT_MAX_PIXELS
) -> list[tuple[str, str]]:
    """Hashes to look up for an incoming image: ``original``, ``stripped`` if it has
    borders, and the harder copies' query hashes (``untilted``, ``bar_top``/``bar_bottom``
    when detected, and the ``region:`` hashes; see hashing/hard.py). Each is (label, hex)."""
    img = open_image(image_bytes, max_pixels=max_pixels, fast=fast)
    out = [("original", hash_array(_array(img, fast)).hex)]
    box = uniform_border_box(img)
    if box is not None:
        out.append(("stripped", hash_array(_array(img.crop(box), fast)).hex))
    out += [(label, hash_array(_array(part, fast)).hex) for label, part in query_images(img)]
    return out


def _crop(img: Image.Image, fracs: tuple[float, float, float, float]) -> Image.Image:
    w, h = img.size
    left, top, right, bottom = fracs
    return img.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))


def augmentation_hashes(
    image_bytes: bytes,
    *,
    fast: bool = False,
    crops: tuple[tuple[str, float, float, float, float], ...] = BANK_CROPS,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    hard: bool = True,
) -> list[tuple[str, str]]:
    """Extra hashes to store for a bank entry so edited copies still match.

    Returns unique (label, hex) pairs, label ``"<source>:<transform>"``: ``original`` and
    ``stripped`` (if the entry has borders) with each of the 8 dihedral transforms (see
    ``pdq.DIHEDRAL_NAMES``), then each crop label from ``crops`` with ``:original``. Crops
    apply to the border-stripped image when there is one. The first pair is
    always ``original:original``, the entry's own hash. Strict decoding by default: bank
    entries are few, and their own hash should be the canonical, exchangeable one.
    """
    img = open_image(image_bytes, max_pixels=max_pixels, fast=fast)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(label: str, hex_: str) -> None:
        if hex_ not in seen:
            seen.add(hex_)
            out.append((label, hex_))

    # Rotations/mirrors: all 8 come from one pdqhash call.
    upright = [("original", img)]
    box = uniform_border_box(img)
    if box is not None:
        img = img.crop(box)
        upright.append(("stripped", img))
    for source, simg in upright:
        for transform, hex_ in dihedral_of_array(_array(simg, fast))[0].items():
            add(f"{source}:{transform}", hex_)
    for label, left, top, right, bottom in crops:
        cropped = _crop(img, (left, top, right, bottom))
        add(f"{label}:original", hash_array(_array(cropped, fast)).hex)
    if hard:  # tilts, harder crops and sub-regions (hashing/hard.py)
        for label, part in bank_images(img):
            if min(part.size) > 0:  # a tiny image's region may have no pixels
                add(f"{label}:original", hash_array(_array(part, fast)).hex)
    return out
