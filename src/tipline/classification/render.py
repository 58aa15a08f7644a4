"""The reviewer-wellness rendition of an image: small, greyscale and blurred, so a reviewer
sees composition without detail unless they ask for the original."""

from __future__ import annotations

import io

from PIL import ImageFilter

from tipline.hashing.decode import open_image

MAX_SIDE = 480
DEFAULT_LEVEL = 4  # of 1 (light) to 6 (heaviest): reviewers choose theirs on the review page


def wellness_png(data: bytes, level: int = DEFAULT_LEVEL) -> bytes:
    """Raises `tipline.hashing.errors.MediaError` when the data is not a decodable image.
    `level` (at least 1) scales the blur: the default is the rendition the API serves."""
    image = open_image(data, fast=True)
    image = image.convert("L")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # A radius relative to the size blurs every rendition about equally.
    level = max(1, level)
    radius = max(level, max(image.size) * level // 96)
    blurred = image.filter(ImageFilter.GaussianBlur(radius))
    out = io.BytesIO()
    blurred.save(out, format="PNG")
    return out.getvalue()
