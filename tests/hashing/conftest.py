"""Shared fixtures for the hashing tests: small benign generated media only."""

from __future__ import annotations

import pytest
from PIL import Image

from tipline.synthetic import generate, to_jpeg
from tipline.synthetic.videos import make_video


@pytest.fixture(scope="session")
def photo() -> Image.Image:
    return generate(11, (480, 360))


@pytest.fixture(scope="session")
def photo_jpeg(photo: Image.Image) -> bytes:
    return to_jpeg(photo)


@pytest.fixture(scope="session")
def video_mp4() -> bytes:
    return make_video(3, seconds=4.0)
