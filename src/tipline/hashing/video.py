"""vPDQ video hashing (Meta's scheme: PDQ of sampled frames), implemented on PyAV.

The reference ``vpdq`` package does not build here, so this re-implements it: decode frames,
hash one every ``seconds_per_hash`` (default 1 s) with PDQ, and compare videos by the share
of unique frames of one that have a PDQ match in the other (see :func:`vpdq_similarity`).
Hashes are not bit-identical to Meta's tool (we downscale frames with swscale before PDQ,
which drifts a few bits like the image fast path) but are compatible for matching at 31.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

import av
import numpy as np

from tipline.hashing.errors import MediaError, MediaErrorCode
from tipline.hashing.kinds import sniff_video_format
from tipline.hashing.pdq import (
    MATCH_DISTANCE,
    QUALITY_THRESHOLD,
    hamming_matrix,
    hash_array,
    pack_hashes,
    pdq_distance,
)

DEFAULT_MAX_DURATION_S = 3 * 3600.0
DEFAULT_MAX_FRAMES = 500_000  # decoded frames, ~2.3 h at 60 fps; bounds CPU on lying headers
DEFAULT_MAX_FRAME_PIXELS = 4096 * 2304  # a little above 4K UHD
HASH_MIN_SIDE = 256  # frames are scaled so the shorter side is at most this before PDQ
# Consecutive samples this close are treated as the same shot. Meta's vPDQ only drops exact
# duplicates; a little slack absorbs encoder noise on static shots (we saw 14 bits between
# samples of one still image in a 160x120 mpeg4 file) while keeping any dropped frame within
# 8 bits of a kept one, so matching at 31 loses little.
DEFAULT_DEDUPE_DISTANCE = 8


@dataclass(frozen=True, slots=True)
class VpdqFrame:
    index: int  # decoded frame number, 0-based
    timestamp_s: float  # seconds from the first frame
    hex: str
    quality: int


def _bmff_truncated(fh: BinaryIO, size: int) -> bool:
    """True if a top-level MP4/MOV box claims to extend past the end of the file.

    The commonest damage is an upload cut short; FFmpeg then only says "invalid data", so we
    check the box sizes ourselves to tell truncation from corruption.
    """
    pos = 0
    while pos + 8 <= size:
        fh.seek(pos)
        header = fh.read(16)
        box_size = struct.unpack(">I", header[:4])[0]
        if box_size == 1 and len(header) >= 16:
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0:  # "extends to end of file"
            return False
        if box_size < 8:
            return False  # not a box layout we understand; let FFmpeg judge
        pos += box_size
    return pos > size


def _target_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, HASH_MIN_SIDE / min(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _open(video: bytes | str | os.PathLike[str]) -> tuple[BinaryIO, int]:
    if isinstance(video, bytes):
        return io.BytesIO(video), len(video)
    fh = open(video, "rb")  # noqa: SIM115 - closed by the caller's finally
    return fh, os.fstat(fh.fileno()).st_size


def vpdq_hash(
    video: bytes | str | os.PathLike[str],
    *,
    seconds_per_hash: float = 1.0,
    dedupe_distance: int = DEFAULT_DEDUPE_DISTANCE,
    max_duration_s: float = DEFAULT_MAX_DURATION_S,
    max_frames: int = DEFAULT_MAX_FRAMES,
    max_frame_pixels: int = DEFAULT_MAX_FRAME_PIXELS,
) -> list[VpdqFrame]:
    """vPDQ of a video file (bytes or path): one PDQ per ``seconds_per_hash``.

    A sample within ``dedupe_distance`` bits of the previous kept sample is dropped (a static
    shot yields one frame, not one per second). Low-quality frames are kept with their
    quality; :func:`vpdq_similarity` filters them.

    Raises:
        MediaError: unsupported_format, too_long, too_many_pixels, truncated, corrupt, empty.
    """
    fh, size = _open(video)
    try:
        if size == 0:
            raise MediaError(MediaErrorCode.EMPTY, "the file is empty")
        fmt = sniff_video_format(fh.read(512))
        fh.seek(0)
        if fmt is None:
            raise MediaError(
                MediaErrorCode.UNSUPPORTED_FORMAT,
                "not an MP4/MOV, WebM/MKV, AVI, FLV, WMV or MPEG video (checked by content)",
            )
        if fmt.startswith("mov") and _bmff_truncated(fh, size):
            raise MediaError(
                MediaErrorCode.TRUNCATED,
                "MP4/MOV file ends inside a box: it was cut short (incomplete upload or copy)",
            )
        fh.seek(0)
        return _decode_and_hash(
            fh,
            fmt,
            seconds_per_hash,
            dedupe_distance,
            max_duration_s,
            max_frames,
            max_frame_pixels,
        )
    finally:
        fh.close()


def _decode_and_hash(
    fh: BinaryIO,
    fmt: str,
    seconds_per_hash: float,
    dedupe_distance: int,
    max_duration_s: float,
    max_frames: int,
    max_frame_pixels: int,
) -> list[VpdqFrame]:
    try:
        # The demuxer is pinned to the sniffed format: FFmpeg must not probe others (HLS,
        # concat) whose inputs can point at other files or URLs.
        container = av.open(fh, mode="r", format=fmt)
    except av.error.FFmpegError as exc:
        raise MediaError(MediaErrorCode.CORRUPT, f"cannot read the video container: {exc}") from exc
    out: list[VpdqFrame] = []
    try:
        if not container.streams.video:
            raise MediaError(MediaErrorCode.UNSUPPORTED_FORMAT, "the file has no video stream")
        stream = container.streams.video[0]
        declared = _declared_duration(container, stream)
        if declared is not None and declared > max_duration_s:
            raise MediaError(
                MediaErrorCode.TOO_LONG,
                f"video lasts {declared:.0f} s; the limit is {max_duration_s:.0f} s",
            )
        _check_pixels(stream.codec_context.width, stream.codec_context.height, max_frame_pixels)
        fps = float(stream.average_rate or 25)
        first_t: float | None = None
        next_t = 0.0
        last_t = 0.0
        last_hash: str | None = None
        for index, frame in enumerate(container.decode(stream)):
            if index >= max_frames:
                raise MediaError(MediaErrorCode.TOO_LONG, f"more than {max_frames} frames")
            # Timestamps drive sampling so variable-frame-rate video samples evenly; fall back
            # to the frame count if the container gives none.
            t_abs = frame.time if frame.time is not None else index / fps
            first_t = t_abs if first_t is None else first_t
            last_t = t = t_abs - first_t
            if t > max_duration_s:
                raise MediaError(MediaErrorCode.TOO_LONG, f"video runs past {max_duration_s:.0f} s")
            if t + 1e-6 < next_t:
                continue
            while next_t <= t + 1e-6:
                next_t += seconds_per_hash
            _check_pixels(frame.width, frame.height, max_frame_pixels)
            tw, th = _target_size(frame.width, frame.height)
            # swscale does resize + YUV->grey in one pass; PDQ only uses luma anyway.
            luma = frame.reformat(width=tw, height=th, format="gray").to_ndarray()
            pdq = hash_array(np.broadcast_to(luma[..., np.newaxis], (*luma.shape, 3)))
            if last_hash is not None and pdq_distance(pdq.hex, last_hash) <= dedupe_distance:
                continue
            last_hash = pdq.hex
            out.append(VpdqFrame(index, round(t, 3), pdq.hex, pdq.quality))
    except av.error.FFmpegError as exc:
        raise MediaError(MediaErrorCode.CORRUPT, f"video data is damaged: {exc}") from exc
    finally:
        container.close()
    if not out:
        raise MediaError(MediaErrorCode.EMPTY, "no decodable video frame")
    if declared is not None and last_t < declared - max(2.0, 0.1 * declared):
        raise MediaError(
            MediaErrorCode.TRUNCATED,
            f"video declares {declared:.1f} s but frames "
            f"stop at {last_t:.1f} s: the file was cut short",
        )
    return out


def _declared_duration(
    container: av.container.InputContainer, stream: av.VideoStream
) -> float | None:
    """The video stream's duration in seconds, if the container states one we can trust.

    The container-level duration covers all streams (audio can outlast video), so it is only
    used when video is the sole stream.
    """
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and len(container.streams) == 1:
        return container.duration / 1_000_000  # AV_TIME_BASE units
    return None


def _check_pixels(width: int, height: int, limit: int) -> None:
    if width <= 0 or height <= 0:
        raise MediaError(MediaErrorCode.CORRUPT, f"video declares an empty {width}x{height} frame")
    if width * height > limit:
        raise MediaError(
            MediaErrorCode.TOO_MANY_PIXELS,
            f"frames are {width}x{height}; the limit is {limit} pixels",
        )


def _usable(frames: list[VpdqFrame], quality_min: int) -> list[str]:
    """Meta's preprocessing: drop low-quality frames, then exact-duplicate hashes."""
    return list(dict.fromkeys(f.hex for f in frames if f.quality >= quality_min))


def vpdq_similarity(
    query: list[VpdqFrame],
    target: list[VpdqFrame],
    distance: int = MATCH_DISTANCE,
    quality_min: int = QUALITY_THRESHOLD,
) -> tuple[float, float]:
    """(query_match_pct, target_match_pct) as in Meta's vPDQ brute-force matcher.

    query_match_pct is the percentage of the query's unique, good-quality frame hashes within
    ``distance`` of some target frame hash, and vice versa. Meta suggests treating >= 80% of
    the query as a match. Returns (0.0, 0.0) if either side has no usable frame.
    """
    q, t = _usable(query, quality_min), _usable(target, quality_min)
    if not q or not t:
        return 0.0, 0.0
    close = np.zeros((len(q), len(t)), dtype=bool)
    qm, tm = pack_hashes(q), pack_hashes(t)
    for start in range(0, len(q), 512):  # chunks bound memory on long videos
        close[start : start + 512] = hamming_matrix(qm[start : start + 512], tm) <= distance
    return float(100.0 * close.any(axis=1).mean()), float(100.0 * close.any(axis=0).mean())
