import numpy as np
import pytest

from tipline.hashing.pdq import pdq_distance, pdq_hash
from tipline.synthetic import KINDS, VARIANT_KINDS, generate, to_jpeg, to_png, variants


@pytest.mark.parametrize("kind", KINDS)
def test_deterministic(kind: str) -> None:
    a = np.asarray(generate(5, (120, 90), kind))
    b = np.asarray(generate(5, (120, 90), kind))
    assert a.shape == (90, 120, 3)
    assert (a == b).all()


def test_different_seeds_are_pdq_distant() -> None:
    hashes = [pdq_hash(to_png(generate(s, (256, 192)))).hex for s in range(8)]
    for i in range(len(hashes)):
        for j in range(i):
            assert pdq_distance(hashes[i], hashes[j]) > 60


def test_variants_are_encoded_copies() -> None:
    out = variants(generate(1, (200, 150)))
    assert tuple(out) == VARIANT_KINDS
    assert all(v[:3] == b"\xff\xd8\xff" for v in out.values())
    assert len(out["jpeg_q30"]) < len(to_jpeg(generate(1, (200, 150)), 85))
