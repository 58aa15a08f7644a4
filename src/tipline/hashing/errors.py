"""The one exception type media handling raises, with a machine-readable code.

Callers (intake API, pipeline workers) branch on ``code`` and show ``message`` to staff; the
message says what is wrong with the file, never a Python traceback.
"""

from __future__ import annotations

from enum import StrEnum


class MediaErrorCode(StrEnum):
    UNSUPPORTED_FORMAT = "unsupported_format"  # not a kind/format on our allowlist
    TOO_MANY_PIXELS = "too_many_pixels"  # decompression-bomb guard
    TRUNCATED = "truncated"  # file ends before the data it declares
    CORRUPT = "corrupt"  # header or data cannot be decoded
    TOO_LONG = "too_long"  # video duration / frame-count guard
    EMPTY = "empty"  # zero bytes, or a video with no decodable frame


class MediaError(Exception):
    """A file could not be hashed. ``code`` is stable; ``message`` is for humans."""

    def __init__(self, code: MediaErrorCode | str, message: str) -> None:
        self.code = MediaErrorCode(code)
        self.message = message
        super().__init__(f"{self.code.value}: {message}")
