"""Small deterministic *benign* videos (generated scenes + a moving shape), encoded with PyAV.

Used by the vPDQ tests and demos; never real content. Each ``scene_seconds`` the background
switches to a new generated photo-like image, so 1-frame-per-second sampling sees distinct
frames, as in real footage with cuts.
"""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageDraw

from tipline.synthetic.images import generate

# mpeg4 (MPEG-4 Part 2) is built into FFmpeg itself, so unlike libx264 it is always present.
DEFAULT_CODEC = "mpeg4"


def frames(
    seed: int,
    *,
    seconds: float = 3.0,
    fps: int = 10,
    size: tuple[int, int] = (160, 120),
    scene_seconds: float = 1.0,
) -> list[Image.Image]:
    """The RGB frames of the video :func:`make_video` would encode."""
    n = max(1, round(seconds * fps))
    per_scene = max(1, round(scene_seconds * fps))
    w, h = size
    out: list[Image.Image] = []
    background = generate(seed * 1000, size)
    for i in range(n):
        if i % per_scene == 0:
            background = generate(seed * 1000 + i // per_scene, size)
        frame = background.copy()
        # A ball moving across the scene: motion, as real video has, without changing the
        # scene enough to break matching between neighbouring frames.
        x = int((i % per_scene) / per_scene * (w - h // 4))
        ImageDraw.Draw(frame).ellipse((x, h // 3, x + h // 4, h // 3 + h // 4), fill=(240, 240, 40))
        out.append(frame)
    return out


def encode(
    images: list[Image.Image],
    *,
    fps: int = 10,
    codec: str = DEFAULT_CODEC,
    container: str = "mp4",
    bit_rate: int | None = None,
) -> bytes:
    """Encode RGB frames into a video file in memory (``container`` is an FFmpeg muxer)."""
    buf = io.BytesIO()
    w, h = images[0].size
    with av.open(buf, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=Fraction(fps))
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = w - w % 2, h - h % 2  # yuv420p needs even sizes
        stream.pix_fmt = "yuv420p"
        if bit_rate:
            stream.bit_rate = bit_rate
        for img in images:
            arr: np.ndarray = np.asarray(img.convert("RGB"))
            arr = arr[: stream.height, : stream.width]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(arr), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))  # flush delayed frames
    return buf.getvalue()


def make_video(
    seed: int,
    *,
    seconds: float = 3.0,
    fps: int = 10,
    size: tuple[int, int] = (160, 120),
    codec: str = DEFAULT_CODEC,
    container: str = "mp4",
    scene_seconds: float = 1.0,
) -> bytes:
    """A deterministic benign test video as file bytes (default: 3 s, 10 fps, 160x120 MP4)."""
    images = frames(seed, seconds=seconds, fps=fps, size=size, scene_seconds=scene_seconds)
    return encode(images, fps=fps, codec=codec, container=container)


def transcode(
    data: bytes,
    *,
    size: tuple[int, int] | None = None,
    fps: int | None = None,
    codec: str = DEFAULT_CODEC,
    container: str = "mp4",
    bit_rate: int = 200_000,
) -> bytes:
    """Decode ``data`` and re-encode it, optionally resized / at another frame rate: the
    lossy copy a platform or re-poster produces."""
    with av.open(io.BytesIO(data), mode="r") as src:
        stream = src.streams.video[0]
        src_fps = float(stream.average_rate or 10)
        decoded = [Image.fromarray(f.to_ndarray(format="rgb24")) for f in src.decode(stream)]
    if fps is not None and fps != round(src_fps):
        step = src_fps / fps
        decoded = [decoded[int(i * step)] for i in range(int(len(decoded) / step))]
    out_fps = fps or round(src_fps)
    if size is not None:
        decoded = [img.resize(size, Image.Resampling.BILINEAR) for img in decoded]
    return encode(decoded, fps=out_fps, codec=codec, container=container, bit_rate=bit_rate)
