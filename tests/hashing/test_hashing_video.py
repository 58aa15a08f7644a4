from pathlib import Path

import pytest

from tipline.hashing.errors import MediaError, MediaErrorCode
from tipline.hashing.video import VpdqFrame, vpdq_hash, vpdq_similarity
from tipline.synthetic import generate
from tipline.synthetic.videos import encode, make_video, transcode


def test_samples_one_frame_per_second(video_mp4: bytes) -> None:
    frames = vpdq_hash(video_mp4)
    assert [f.timestamp_s for f in frames] == [0.0, 1.0, 2.0, 3.0]
    assert [f.index for f in frames] == [0, 10, 20, 30]
    assert all(len(f.hex) == 64 and f.quality >= 50 for f in frames)


def test_path_input_equals_bytes_input(video_mp4: bytes, tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"  # the name says nothing; content decides
    path.write_bytes(video_mp4)
    assert vpdq_hash(path) == vpdq_hash(video_mp4)


def test_reencoded_resized_copy_matches(video_mp4: bytes) -> None:
    original = vpdq_hash(video_mp4)
    copy = vpdq_hash(transcode(video_mp4, size=(96, 72), fps=15, container="matroska"))
    q, t = vpdq_similarity(copy, original)
    assert q >= 80.0 and t >= 80.0


def test_unrelated_video_does_not_match(video_mp4: bytes) -> None:
    other = vpdq_hash(make_video(99, seconds=4.0))
    assert vpdq_similarity(vpdq_hash(video_mp4), other) == (0.0, 0.0)


def test_static_video_is_deduplicated() -> None:
    still = encode([generate(5, (160, 120))] * 30, fps=10)
    assert [f.timestamp_s for f in vpdq_hash(still, dedupe_distance=-1)] == [0.0, 1.0, 2.0]
    # Encoder noise moves a still shot's hash by a few bits; 20 absorbs it here.
    assert [f.timestamp_s for f in vpdq_hash(still, dedupe_distance=20)] == [0.0]


def test_scene_changes_are_kept() -> None:
    frames = vpdq_hash(make_video(5, seconds=3.0, fps=5, scene_seconds=1.0))
    assert len(frames) == 3


def _f(hex_: str, quality: int = 100) -> VpdqFrame:
    return VpdqFrame(0, 0.0, hex_, quality)


def test_similarity_definition() -> None:
    a, b, c = "0" * 64, "f" * 64, "0" * 56 + "ffffffff"  # c is 32 bits from a
    query = [_f(a), _f(a), _f(b), _f(c, quality=10)]  # duplicate a, low-quality c dropped
    target = [_f("0" * 63 + "1"), _f(c)]
    # unique good query frames {a, b}: a matches (1 bit), b does not -> 50 %
    # target {~a, c}: ~a matches a; c is 32 from a and 224 from b -> 50 %
    assert vpdq_similarity(query, target) == (50.0, 50.0)
    assert vpdq_similarity(query, target, distance=32) == (50.0, 100.0)
    assert vpdq_similarity([], target) == (0.0, 0.0)


def _code(data: bytes, **kw: object) -> MediaErrorCode:
    with pytest.raises(MediaError) as info:
        vpdq_hash(data, **kw)  # type: ignore[arg-type]
    return info.value.code


def test_truncated_and_corrupt(video_mp4: bytes) -> None:
    assert _code(video_mp4[: len(video_mp4) // 2]) == MediaErrorCode.TRUNCATED
    mkv = make_video(3, seconds=4.0, container="matroska")
    assert _code(mkv[: len(mkv) // 2]) == MediaErrorCode.TRUNCATED
    assert _code(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 4) == MediaErrorCode.CORRUPT
    assert _code(b"") == MediaErrorCode.EMPTY
    assert _code(b"not a video at all") == MediaErrorCode.UNSUPPORTED_FORMAT


def test_limits(video_mp4: bytes) -> None:
    assert _code(video_mp4, max_duration_s=2.0) == MediaErrorCode.TOO_LONG
    assert _code(video_mp4, max_frames=15) == MediaErrorCode.TOO_LONG
    assert _code(video_mp4, max_frame_pixels=100 * 100) == MediaErrorCode.TOO_MANY_PIXELS
