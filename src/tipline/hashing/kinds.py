"""Media kind detection from magic numbers (never from file names or client MIME types).

Reporters' uploads are hostile input: the extension and Content-Type are whatever the sender
chose, so we look at the first bytes and only accept formats on an allowlist.
"""

from __future__ import annotations

from typing import Literal

MediaKind = Literal["image", "video"]

# Pillow format names; the decoder hands exactly this list to Image.open(formats=...).
IMAGE_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")

# ISO-BMFF brands that are still images (HEIF/AVIF), not videos: not on our allowlist.
_STILL_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}


def sniff_image_format(head: bytes) -> str | None:
    """Pillow format name of an allowlisted image, from its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:2] == b"BM" and len(head) >= 26:
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    return None


def sniff_video_format(head: bytes) -> str | None:
    """FFmpeg demuxer name of an allowlisted video container, else None.

    The demuxer is pinned when opening (see video.py) so FFmpeg never probes exotic demuxers
    (playlists, concat) that can reference other files.
    """
    if head[4:8] == b"ftyp":
        return None if head[8:12] in _STILL_BRANDS else "mov,mp4,m4a,3gp,3g2,mj2"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):  # old QuickTime layouts
        return "mov,mp4,m4a,3gp,3g2,mj2"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska,webm"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:3] == b"FLV":
        return "flv"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "asf"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpeg"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:  # MPEG-TS sync bytes
        return "mpegts"
    return None


def media_kind(data: bytes) -> MediaKind | None:
    """``"image"``, ``"video"`` or None (unsupported) from the leading bytes of a file.

    Animated GIF/WebP count as images: we hash their first frame.
    """
    head = data[:512]
    if sniff_image_format(head):
        return "image"
    if sniff_video_format(head):
        return "video"
    return None


# What a file that is not media usually is, by its first bytes: named in the warning.
_OTHER_CONTENT = ((b"PK\x03\x04", "a ZIP archive"), (b"%PDF", "a PDF document"),
                  (b"\x1f\x8b", "a gzip archive"), (b"Rar!", "a RAR archive"),
                  (b"7z\xbc\xaf", "a 7-Zip archive"), (b"MZ", "a Windows program"),
                  (b"\x7fELF", "a Linux program"))
_IMAGE_EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "jpe": "JPEG", "jfif": "JPEG",
                     "png": "PNG", "gif": "GIF", "webp": "WEBP", "bmp": "BMP", "tif": "TIFF",
                     "tiff": "TIFF"}
_VIDEO_EXTENSIONS = {"mp4", "m4v", "mov", "3gp", "webm", "mkv", "avi", "flv", "wmv", "mpg",
                     "mpeg", "ts"}


def describe_content(head: bytes) -> str:
    """What the first bytes say the file is, in words."""
    image = sniff_image_format(head)
    if image:
        return f"a {image} image"
    if sniff_video_format(head):
        return "a video"
    for magic, name in _OTHER_CONTENT:
        if head.startswith(magic):
            return name
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "an HTML document"
    return "not a supported image or video"


def content_mismatch(head: bytes, name: str | None, content_type: str | None) -> str | None:
    """A warning for the reporter when the file's content is not what its name or declared
    type says (an HTML page or a ZIP named `.jpg`), else None."""
    extension = (name or "").rsplit(".", 1)[-1].lower() if "." in (name or "") else ""
    declared = (content_type or "").split(";")[0].strip().lower()
    image, video = sniff_image_format(head), sniff_video_format(head)
    claims_image = extension in _IMAGE_EXTENSIONS or declared.startswith("image/")
    claims_video = extension in _VIDEO_EXTENSIONS or declared.startswith("video/")
    what = describe_content(head)
    if claims_image and not image:
        said = f"named {name!r}" if extension in _IMAGE_EXTENSIONS else f"sent as {declared}"
        return f"{said} but the content is {what}"
    if claims_video and not video:
        said = f"named {name!r}" if extension in _VIDEO_EXTENSIONS else f"sent as {declared}"
        return f"{said} but the content is {what}"
    if image and extension in _IMAGE_EXTENSIONS and _IMAGE_EXTENSIONS[extension] != image:
        return f"named {name!r} but the content is {what}"
    return None
