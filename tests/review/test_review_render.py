"""Safe renditions: an image and a video's keyframe come out greyscale and blurred at the
level asked for, and originals are typed from their bytes, never their names."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat

from tipline.hashing.errors import MediaError
from tipline.review import render
from tipline.synthetic.videos import make_video

from factories import png_bytes


def detail(png: bytes) -> float:
    """Mean absolute difference between neighbouring pixels: lower is blurrier."""
    image = Image.open(io.BytesIO(png))
    assert image.mode == "L"  # greyscale
    shifted = image.crop((1, 0, image.width, image.height))
    base = image.crop((0, 0, image.width - 1, image.height))
    diff = Image.frombytes("L", base.size, bytes(
        abs(a - b) for a, b in zip(base.tobytes(), shifted.tobytes(), strict=True)))
    return float(ImageStat.Stat(diff).mean[0])


def test_a_higher_level_blurs_more() -> None:
    image = png_bytes(seed=7, size=200)
    assert detail(render.safe_png(image, 6)) < detail(render.safe_png(image, 2))


def test_a_video_is_shown_as_a_blurred_keyframe() -> None:
    video = make_video(5)
    png = render.safe_png(video, 4)
    assert png.startswith(b"\x89PNG") and detail(png) >= 0
    assert render.media_type(video[:512]) == "video/mp4"
    assert render.media_type(png_bytes()[:512]) == "image/png"
    assert render.media_type(b"%PDF-1.7 not media") is None


def test_what_is_not_media_has_no_rendition() -> None:
    with pytest.raises(MediaError):
        render.safe_png(b"not an image at all", 4)
