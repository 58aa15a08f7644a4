"""Harder re-posted copies (hashing/hard.py): tilts with filled corners are found and turned
back, caption bars are found and cut, and the copies of every harder kind match their entry."""

from __future__ import annotations

import pytest

from tipline.hashing.decode import open_image
from tipline.hashing.hard import caption_bar_cuts, fill_tilt_angle
from tipline.hashing.pdq import MATCH_DISTANCE, pdq_distance
from tipline.hashing.robust import augmentation_hashes, query_hashes
from tipline.synthetic import generate, to_jpeg
from tipline.synthetic.edits import caption_bar, hard_variants, tilt


@pytest.mark.parametrize("angle", [-4.5, -2.0, 3.0, 5.0])
def test_a_tilt_on_a_filled_canvas_is_measured(angle: float) -> None:
    tilted = tilt(generate(5, (480, 360)), angle, fill=True)
    found = fill_tilt_angle(tilted)
    assert found is not None and abs(found - angle) <= 0.5


def test_an_upright_picture_has_no_tilt() -> None:
    assert fill_tilt_angle(generate(6, (480, 360))) is None


@pytest.mark.parametrize("over", [True, False])
def test_a_caption_bar_is_cut_off(over: bool) -> None:
    img = generate(8, (480, 360))
    captioned = caption_bar(img, 8, 0.18, over=over)
    cuts = caption_bar_cuts(captioned)
    assert len(cuts) == 1
    _, rest = cuts[0]
    picture_rows = 360 * (1 - 0.18) if over else 360  # what is left of the picture
    assert abs(rest.size[1] - picture_rows) <= 0.03 * captioned.size[1]
    assert caption_bar_cuts(img) == []


@pytest.mark.parametrize("seed", [31, 32])
def test_harder_copies_match_their_entry(seed: int) -> None:
    img = generate(seed, (480, 360))
    bank = [h for _, h in augmentation_hashes(to_jpeg(img))]
    copies = hard_variants(img, seed)
    for kind in ("tilt2_crop", "tilt5_crop", "tilt5_fill", "caption_bar_over",
                 "caption_bar_added", "sticker", "text_overlay", "crop15_side"):
        asked = [h for _, h in query_hashes(copies[kind])]
        assert min(pdq_distance(q, b) for q in asked for b in bank) <= MATCH_DISTANCE, kind


def test_a_tilted_copy_needs_the_new_measures() -> None:
    """Without them the same copy is far from its entry: the test above can fail."""
    img = generate(33, (480, 360))
    bank = [h for _, h in augmentation_hashes(to_jpeg(img), hard=False)]
    copy = open_image(hard_variants(img, 33)["tilt5_fill"], fast=True)
    asked = [h for _, h in query_hashes(to_jpeg(copy)) if not h.startswith("region:")]
    assert min(pdq_distance(q, b) for q in asked[:1] for b in bank) > MATCH_DISTANCE
