from io import BytesIO

import pytest
from PIL import Image

from tipline.hashing.pdq import MATCH_DISTANCE, pdq_distance, pdq_hash
from tipline.hashing.robust import (
    augmentation_hashes,
    query_hashes,
    strip_uniform_border,
    uniform_border_box,
)
from tipline.synthetic import generate, to_jpeg, variants


def _framed(
    img: Image.Image, left: int, top: int, right: int, bottom: int, colour: tuple[int, int, int]
) -> Image.Image:
    w, h = img.size
    out = Image.new("RGB", (w + left + right, h + top + bottom), colour)
    out.paste(img, (left, top))
    return out


@pytest.mark.parametrize(
    ("pads", "colour"),
    [
        ((0, 40, 0, 40), (0, 0, 0)),  # letterbox
        ((50, 0, 50, 0), (0, 0, 0)),  # pillarbox
        ((20, 30, 10, 25), (255, 255, 255)),  # uneven white frame
        ((12, 12, 12, 12), (40, 90, 200)),
    ],  # coloured frame
)
def test_strip_recovers_content_even_after_jpeg(
    photo: Image.Image, pads: tuple[int, int, int, int], colour: tuple[int, int, int]
) -> None:
    framed = Image.open(BytesIO(to_jpeg(_framed(photo, *pads, colour))))
    box = uniform_border_box(framed)
    assert box is not None
    left, top, _, _ = pads
    expected = (left, top, left + photo.width, top + photo.height)
    assert all(abs(a - b) <= 3 for a, b in zip(box, expected, strict=True))


def test_no_border_no_change(photo: Image.Image) -> None:
    assert strip_uniform_border(photo) is photo


def test_never_strips_flat_or_mostly_flat_image() -> None:
    flat = Image.new("RGB", (200, 100), (50, 50, 50))
    assert strip_uniform_border(flat) is flat
    sliver = _framed(generate(1, (10, 10)), 95, 45, 95, 45, (0, 0, 0))
    assert strip_uniform_border(sliver).size == sliver.size


def _whole(labels: list[str]) -> list[str]:
    return [label for label in labels if not label.startswith("region:")]


def test_query_hashes_include_stripped_only_with_border(photo: Image.Image) -> None:
    assert _whole([label for label, _ in query_hashes(to_jpeg(photo))]) == ["original"]
    framed = to_jpeg(_framed(photo, 0, 60, 0, 60, (0,) * 3))
    assert _whole([label for label, _ in query_hashes(framed)]) == ["original", "stripped"]


def test_augmentation_first_hash_is_entry_strict_hash(photo_jpeg: bytes) -> None:
    aug = augmentation_hashes(photo_jpeg)
    assert aug[0] == ("original:original", pdq_hash(photo_jpeg, fast=False).hex)
    assert len({h for _, h in aug}) == len(aug)


def _matches(query: bytes, bank: list[tuple[str, str]]) -> bool:
    queries = [q for _, q in query_hashes(query)]
    return any(pdq_distance(q, b) <= MATCH_DISTANCE for q in queries for _, b in bank)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_edited_copies_match_their_entry(seed: int) -> None:
    img = generate(seed, (480, 360))
    bank = augmentation_hashes(to_jpeg(img))
    copies = variants(img, seed)
    for kind in (
        "resized_50",
        "jpeg_q30",
        "border",
        "letterbox",
        "crop_3pct",
        "crop_8pct_one_side",
        "rot90",
        "rot180",
        "rot270",
        "mirror",
    ):
        assert _matches(copies[kind], bank), kind


def test_unrelated_images_do_not_match() -> None:
    banks = [augmentation_hashes(to_jpeg(generate(s, (320, 240)))) for s in range(30, 36)]
    for s in range(40, 46):
        query = to_jpeg(generate(s, (320, 240)))
        assert not any(_matches(query, bank) for bank in banks)
