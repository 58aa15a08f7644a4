"""Hardened image decoding for hashing.

Uploaded files are hostile: we sniff the format from content, hand Pillow only that one
plugin, refuse images whose declared size exceeds a per-call pixel budget *before* decoding,
and turn Pillow's zoo of exceptions into :class:`MediaError`.

Pillow's own bomb guard (``Image.MAX_IMAGE_PIXELS``) is process-global; we never modify it
(another thread could be decoding with a different limit) and instead compare the header size
with ``max_pixels`` ourselves. Pillow's guard stays in place as a backstop: an image above
Pillow's hard ceiling (2x its global limit) is reported as ``too_many_pixels`` too.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tipline.hashing.errors import MediaError, MediaErrorCode
from tipline.hashing.kinds import sniff_image_format

DEFAULT_MAX_PIXELS = 50_000_000  # ~8200x6100
# The most memory hashing one image may take, checked from the header before decoding. A
# 6 KB PNG can declare 49 million pixels; Pillow keeps RGB at 4 bytes a pixel, and hashing
# once made several full-size copies (about 950 MB for such a file); now it holds only the
# decoded image and small blocks. The estimate below counts the decoded image, a margin for
# decoders' buffers and the file itself. Measured peaks, all below the estimate, are in
# docs/security.md (benchmarks/decode_memory.py).
DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024
# Bytes per pixel Pillow holds for each mode once decoded (Storage.c: 1 or 4, I;16 2).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}
_WORKING_BYTES = 2  # per pixel: a margin for decoders' buffers and conversions
# Fast mode hashes at a reduced scale whose shorter side is still >= this. Measured (see
# docs/benchmarks-hashing.md): 256 keeps drift vs full-resolution PDQ at ~4 bits, while 128
# (a 1/4 JPEG DCT scale on 1024x768) drifted ~14 bits because PDQ's blur window rounds badly.
FAST_MIN_SIDE = 256


def decode_cost(width: int, height: int, mode: str, file_size: int = 0) -> int:
    """Bytes hashing an image of this size and (decoded) mode may hold at its peak."""
    return width * height * (_MODE_BYTES.get(mode, 4) + _WORKING_BYTES) + file_size


def open_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, fast: bool = False,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> Image.Image:
    """Decode the first frame of an allowlisted image.

    Args:
        data: the whole file.
        max_pixels: refuse images whose header declares more pixels than this.
        memory_budget: refuse images whose decoding would need more bytes than this
            (`decode_cost`, from the header, after the JPEG reduced scale is chosen).
        fast: for JPEG, let libjpeg decode the DCT at 1/2, 1/4 or 1/8 scale and only the
            luma channel (``Image.draft``), keeping the shorter side >= ``FAST_MIN_SIDE``.
            The result is then smaller than the file's declared size and in mode ``L``.

    Raises:
        MediaError: unsupported_format, too_many_pixels, truncated or corrupt.
    """
    if not data:
        raise MediaError(MediaErrorCode.EMPTY, "the file is empty")
    fmt = sniff_image_format(data[:64])
    if fmt is None:
        raise MediaError(
            MediaErrorCode.UNSUPPORTED_FORMAT,
            "not a JPEG, PNG, GIF, WebP, BMP or TIFF image (checked by content, not name)",
        )
    try:
        img = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Warning is caught too: under `-W error` Pillow raises it as an exception.
        raise MediaError(MediaErrorCode.TOO_MANY_PIXELS, f"image is far too large: {exc}") from exc
    except Exception as exc:  # Pillow plugins raise many types on bad headers
        raise MediaError(MediaErrorCode.CORRUPT, f"{fmt} header is unreadable: {exc}") from exc

    width, height = img.size
    if width <= 0 or height <= 0:
        raise MediaError(MediaErrorCode.CORRUPT, f"{fmt} declares an empty {width}x{height} size")
    if width * height > max_pixels:
        raise MediaError(
            MediaErrorCode.TOO_MANY_PIXELS,
            f"{fmt} is {width}x{height} = {width * height} pixels; the limit is {max_pixels}",
        )
    if fast and fmt == "JPEG" and img.mode in ("RGB", "L"):
        # Reduced-scale IDCT: the biggest speed-up available; PDQ only needs ~64x64 anyway.
        img.draft("L", (FAST_MIN_SIDE, FAST_MIN_SIDE))
    _check_budget(img, fmt, memory_budget, len(data))
    try:
        img.load()
    except (OSError, EOFError) as exc:
        msg = str(exc)
        if isinstance(exc, EOFError) or "truncated" in msg or "broken data stream" in msg:
            raise MediaError(
                MediaErrorCode.TRUNCATED, f"{fmt} file ends before the image data does ({msg})"
            ) from exc
        raise MediaError(MediaErrorCode.CORRUPT, f"{fmt} image data is damaged: {msg}") from exc
    except MemoryError as exc:
        raise MediaError(MediaErrorCode.TOO_MANY_PIXELS, f"{fmt} needs too much memory") from exc
    except Exception as exc:  # SyntaxError, ValueError, struct.error, zlib.error ...
        raise MediaError(MediaErrorCode.CORRUPT, f"{fmt} image data is damaged: {exc}") from exc
    return img


def _check_budget(img: Image.Image, fmt: str, memory_budget: int, file_size: int) -> None:
    width, height = img.size  # after `draft`, the reduced size libjpeg will decode
    cost = decode_cost(width, height, img.mode, file_size)
    if cost > memory_budget:
        raise MediaError(
            MediaErrorCode.TOO_MANY_PIXELS,
            f"{fmt} of {width}x{height} pixels ({img.mode}) needs about {cost // 2**20} MiB to "
            f"decode; the limit per file is {memory_budget // 2**20} MiB",
        )


def strict_array(img: Image.Image) -> np.ndarray:
    """Pixel array exactly as python-threatexchange's ``pdq_hasher`` builds it.

    For RGB, RGBA, L, LA and I;16 images this is bit-for-bit the same array, hence the same
    PDQ hash. For palette (P), CMYK and other modes threatexchange passes raw palette indices
    or CMYK channels as if they were RGB; we convert to real RGB colours instead (deliberate
    divergence: a GIF and its PNG re-encode should hash alike).
    """
    if img.mode not in ("RGB", "RGBA", "L"):  # threatexchange also converts LA and I;16
        img = img.convert("RGB")
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = np.concatenate([arr[..., np.newaxis]] * 3, axis=2)
    return arr


def fast_array(img: Image.Image) -> np.ndarray:
    """Luma-only array (as a zero-copy 3-channel view) at reduced size for fast hashing.

    PDQ only looks at luma (0.299R + 0.587G + 0.114B, the same weights JPEG's Y channel and
    Pillow's ``L`` conversion use), so decoding/handing over one channel loses nothing but
    sub-level rounding. Large non-JPEG images are box-reduced by an integer factor, since
    PDQ's cost is proportional to the pixels it filters.
    """
    if img.mode not in ("RGB", "RGBA", "L", "P"):
        img = img.convert("RGB")  # CMYK and the rest through real colours, as before
    # Converted to one byte a pixel first (a palette directly: the same luma as through RGB,
    # without a four-byte copy), then reduced: reducing RGBA would first make a full-size
    # premultiplied copy.
    img = img.convert("L")
    factor = min(img.size) // FAST_MIN_SIDE
    if factor >= 2:
        img = img.reduce(factor)
    luma = np.asarray(img)
    return np.broadcast_to(luma[..., np.newaxis], (*luma.shape, 3))
