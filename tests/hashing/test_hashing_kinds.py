import io

import pytest
from PIL import Image

from tipline.hashing.kinds import media_kind, sniff_image_format, sniff_video_format
from tipline.synthetic import generate
from tipline.synthetic.videos import make_video


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
def test_images_detected_by_content(fmt: str) -> None:
    buf = io.BytesIO()
    generate(1, (64, 48)).save(buf, fmt)
    data = buf.getvalue()
    assert sniff_image_format(data) == fmt
    assert media_kind(data) == "image"


@pytest.mark.parametrize(
    ("container", "demuxer"),
    [("mp4", "mov,mp4,m4a,3gp,3g2,mj2"), ("matroska", "matroska,webm"), ("avi", "avi")],
)
def test_videos_detected(container: str, demuxer: str) -> None:
    data = make_video(1, seconds=0.5, size=(64, 48), container=container)
    assert sniff_video_format(data) == demuxer
    assert media_kind(data) == "video"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world, this is text",
        b"%PDF-1.7\n",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",  # HEIF still image: not allowed
        b"\x00\x00\x01\x00\x01\x00",  # ICO
        b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
    ],
)
def test_unsupported(data: bytes) -> None:
    assert media_kind(data) is None


def test_extension_is_irrelevant_jpeg_named_png() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG")
    assert sniff_image_format(buf.getvalue()) == "JPEG"
