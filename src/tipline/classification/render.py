"""The reviewer-wellness rendition of an image: small, greyscale and blurred, so a reviewer
sees composition without detail unless they ask for the original."""

from __future__ import annotations

import io

from PIL import ImageFilter

from tipline.hashing.decode import open_image

MAX_SIDE = 480


def wellness_png(data: bytes) -> bytes:
    """Raises `tipline.hashing.errors.MediaError` when the data is not a decodable image."""
    image = open_image(data, fast=True)
    image = image.convert("L")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # A radius relative to the size blurs every rendition about equally.
    radius = max(4, max(image.size) // 24)
    blurred = image.filter(ImageFilter.GaussianBlur(radius))
    out = io.BytesIO()
    blurred.save(out, format="PNG")
    return out.getvalue()
