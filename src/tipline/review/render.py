"""Safe renditions for review: an image's blurred greyscale rendition at the reviewer's
level, and for a video the same of its first decodable frame (a keyframe: videos are never
played before a reveal)."""

from __future__ import annotations

import io

import av
from PIL import Image

from tipline.classification.render import wellness_png
from tipline.hashing.errors import MediaError, MediaErrorCode
from tipline.hashing.kinds import sniff_image_format, sniff_video_format

# Media types of the originals a reveal may show in the page; anything else is downloaded.
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
               "WEBP": "image/webp", "BMP": "image/bmp"}
VIDEO_TYPES = {"mov,mp4,m4a,3gp,3g2,mj2": "video/mp4", "matroska,webm": "video/webm"}
FRAMES_TRIED = 50  # a keyframe is among the first few decoded frames of any sane video
MAX_FRAME_PIXELS = 4096 * 2304  # as the video hasher: a frame larger than 4K is refused


def media_type(head: bytes) -> str | None:
    """The browser-displayable type of an original, from its first bytes (never its name)."""
    image = sniff_image_format(head)
    if image is not None:
        return IMAGE_TYPES.get(image)
    video = sniff_video_format(head)
    return VIDEO_TYPES.get(video) if video is not None else None


def keyframe_png(data: bytes) -> bytes:
    """The first decodable frame of a video, as PNG (raises MediaError when there is none)."""
    fmt = sniff_video_format(data[:512])
    if fmt is None:
        raise MediaError(MediaErrorCode.UNSUPPORTED_FORMAT, "not a supported video")
    try:
        with av.open(io.BytesIO(data), mode="r", format=fmt) as container:
            if not container.streams.video:
                raise MediaError(MediaErrorCode.UNSUPPORTED_FORMAT, "no video stream")
            for index, frame in enumerate(container.decode(container.streams.video[0])):
                if index >= FRAMES_TRIED:
                    break
                if frame.width * frame.height > MAX_FRAME_PIXELS:
                    raise MediaError(MediaErrorCode.TOO_MANY_PIXELS, "the frame is too large")
                image: Image.Image = frame.to_image()
                out = io.BytesIO()
                image.save(out, format="PNG")
                return out.getvalue()
    except av.error.FFmpegError as exc:
        raise MediaError(MediaErrorCode.CORRUPT, f"cannot read the video: {exc}") from exc
    raise MediaError(MediaErrorCode.EMPTY, "no decodable video frame")


def safe_png(data: bytes, level: int) -> bytes:
    """The blurred greyscale rendition of an image, or of a video's keyframe."""
    if sniff_video_format(data[:512]) is not None:
        return wellness_png(keyframe_png(data), level)
    return wellness_png(data, level)
