import io

import numpy as np
import pytest
from PIL import Image
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes
from threatexchange.signal_type.pdq.signal import PdqSignal

from tipline.hashing.pdq import (
    DIHEDRAL_NAMES,
    bits_to_hex,
    pdq_dihedral,
    pdq_distance,
    pdq_hash,
)
from tipline.synthetic import KINDS, generate, to_jpeg, to_png

SIZES = [(64, 64), (200, 150), (333, 517), (640, 480), (1024, 768)]


def _cases() -> list[tuple[str, bytes]]:
    out = []
    for i, size in enumerate(SIZES):
        img = generate(100 + i, size, kind=KINDS[i % len(KINDS)] if i % 2 else "photo")
        out += [
            (f"{size}-jpeg", to_jpeg(img)),
            (f"{size}-png", to_png(img)),
            (f"{size}-grey-png", to_png(img.convert("L"))),
            (f"{size}-grey-jpeg", to_jpeg(img.convert("L"))),
            (f"{size}-rgba-png", to_png(img.convert("RGBA"))),
            (f"{size}-la-png", to_png(img.convert("LA"))),
        ]
    grey16 = np.asarray(generate(7, (120, 90)).convert("L")).astype(np.uint16) * 257
    out.append(("i16-png", to_png(Image.fromarray(grey16))))
    return out


@pytest.mark.parametrize(("name", "data"), _cases())
def test_strict_equals_threatexchange_bit_for_bit(name: str, data: bytes) -> None:
    ours = pdq_hash(data, fast=False)
    ref_hex, ref_quality = pdq_from_bytes(data)
    assert ours.hex == ref_hex, name
    assert ours.quality == ref_quality
    # The public signal API returns "" below quality 50; we keep the hash and flag it.
    assert PdqSignal.hash_from_bytes(data) == ("" if ours.low_quality else ours.hex)


def test_low_quality_flagged_not_dropped() -> None:
    flat = to_png(Image.new("RGB", (128, 128), (120, 130, 140)))
    h = pdq_hash(flat)
    assert h.low_quality and len(h.hex) == 64
    assert PdqSignal.hash_from_bytes(flat) == ""


def test_hex_format_matches_threatexchange_padding() -> None:
    bits = np.zeros(256, dtype=np.int64)
    bits[-1] = 1  # leading zeros must be kept
    assert bits_to_hex(bits) == "0" * 63 + "1"
    bits[0] = 1
    assert bits_to_hex(bits) == "8" + "0" * 62 + "1"


def test_fast_mode_stays_close_to_strict() -> None:
    drifts = []
    for seed in range(6):
        data = to_jpeg(generate(seed, (1024, 768)))
        drifts.append(pdq_distance(pdq_hash(data).hex, pdq_hash(data, fast=False).hex))
    # Measured mean ~4 bits on this content; 31 is the match threshold.
    assert np.mean(drifts) <= 8
    assert max(drifts) <= 16


TRANSPOSES = {
    "original": None,
    "rot90": Image.Transpose.ROTATE_90,
    "rot180": Image.Transpose.ROTATE_180,
    "rot270": Image.Transpose.ROTATE_270,
    "flip_v": Image.Transpose.FLIP_TOP_BOTTOM,
    "flip_h": Image.Transpose.FLIP_LEFT_RIGHT,
    "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}


@pytest.mark.parametrize("seed", [1, 2])
def test_dihedral_names_match_actual_transforms(seed: int) -> None:
    img = generate(seed, (400, 300))
    dihedral = pdq_dihedral(to_png(img), fast=False)
    assert tuple(dihedral) == DIHEDRAL_NAMES
    for name, op in TRANSPOSES.items():
        moved = img if op is None else img.transpose(op)
        h = pdq_hash(to_png(moved), fast=False).hex
        dists = {n: pdq_distance(h, d) for n, d in dihedral.items()}
        assert min(dists, key=lambda n: dists[n]) == name
        assert dists[name] <= 16


def test_mode_p_hashes_colours_not_palette_indices() -> None:
    img = generate(5, (200, 150))
    buf = io.BytesIO()
    img.quantize(64).save(buf, "PNG")
    rgb = to_png(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    assert pdq_hash(buf.getvalue(), fast=False) == pdq_hash(rgb, fast=False)
