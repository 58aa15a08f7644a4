import io
import struct
import zlib

import pytest
from PIL import Image

from tipline.hashing.decode import FAST_MIN_SIDE, open_image
from tipline.hashing.errors import MediaError, MediaErrorCode
from tipline.synthetic import generate, to_jpeg, to_png


def _save(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _code(data: bytes, **kw: object) -> MediaErrorCode:
    with pytest.raises(MediaError) as info:
        open_image(data, **kw)  # type: ignore[arg-type]
    assert info.value.message  # always a human explanation
    return info.value.code


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
def test_allowlisted_formats_decode(fmt: str) -> None:
    img = open_image(_save(generate(2, (90, 70)), fmt))
    assert img.size == (90, 70)
    assert img.format == fmt


def test_gif_first_frame_only() -> None:
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    img = open_image(buf.getvalue()).convert("RGB")
    assert img.getpixel((5, 5)) == (255, 0, 0)


def test_unsupported_formats_rejected_by_content() -> None:
    assert _code(b"%PDF-1.4 not an image") == MediaErrorCode.UNSUPPORTED_FORMAT
    assert _code(_save(Image.new("RGB", (16, 16)), "ICO")) == MediaErrorCode.UNSUPPORTED_FORMAT
    assert _code(_save(Image.new("RGB", (16, 16)), "PPM")) == MediaErrorCode.UNSUPPORTED_FORMAT
    assert _code(b"") == MediaErrorCode.EMPTY


def test_pixel_limit_is_per_call_and_global_untouched() -> None:
    before = Image.MAX_IMAGE_PIXELS
    data = to_png(Image.new("RGB", (2000, 1500), (9, 9, 9)))
    assert _code(data, max_pixels=1_000_000) == MediaErrorCode.TOO_MANY_PIXELS
    assert open_image(data, max_pixels=3_000_000).size == (2000, 1500)
    assert before == Image.MAX_IMAGE_PIXELS


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat) - 4)
        + idat
        + struct.pack(">I", zlib.crc32(idat))
    )


def test_decompression_bomb_header_rejected_before_decoding() -> None:
    # 60000 x 60000 declared: above both our limit and Pillow's hard ceiling.
    assert _code(_png_header_only(60000, 60000)) == MediaErrorCode.TOO_MANY_PIXELS
    # 9000 x 9000: only our (default 50 Mpx) limit catches it.
    assert _code(_png_header_only(9000, 9000)) == MediaErrorCode.TOO_MANY_PIXELS


@pytest.mark.parametrize("encode", [to_jpeg, to_png])
def test_truncated(encode: object) -> None:
    data = encode(generate(3, (300, 200)))  # type: ignore[operator]
    assert _code(data[: len(data) // 2]) == MediaErrorCode.TRUNCATED


def test_corrupt_header() -> None:
    data = bytearray(to_png(generate(3, (64, 64))))
    data[16:24] = b"\xff" * 8  # IHDR width/height garbage, CRC now wrong
    assert _code(bytes(data)) == MediaErrorCode.CORRUPT
    assert _code(b"\xff\xd8\xff" + b"\x00" * 50) == MediaErrorCode.CORRUPT


def test_fast_mode_uses_reduced_jpeg_scale() -> None:
    img = open_image(to_jpeg(generate(4, (1024, 768))), fast=True)
    assert img.mode == "L"
    assert img.size == (512, 384)  # DCT scaled by 1/2: shorter side stays >= FAST_MIN_SIDE
    assert min(img.size) >= FAST_MIN_SIDE
