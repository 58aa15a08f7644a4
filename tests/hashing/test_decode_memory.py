"""Decoding has a memory budget per file that no input exceeds: the cost is judged from the
header before decoding, and what is decoded stays below it (peak resident memory measured in
a fresh process; Pillow's pixels are invisible to tracemalloc)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tipline.hashing.decode import decode_cost, open_image
from tipline.hashing.errors import MediaError, MediaErrorCode
from tipline.hashing.media import hash_media

MEASURE = """
import json, sys
from tipline.hashing.media import hash_media

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

data = open(sys.argv[1], "rb").read()
hash_media(b"")
before = peak()
media = hash_media(data, memory_budget=int(sys.argv[2]))
print(json.dumps({"peak": peak() - before, "error": media.error}))
"""


def _flat_png(mode: str, width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def _peak(tmp_path: Path, data: bytes, budget: int) -> tuple[int, str | None]:
    path = tmp_path / "image.png"
    path.write_bytes(data)
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path), str(budget)],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    return int(result["peak"]), result["error"]


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L"])
def test_an_image_within_the_budget_is_hashed_within_it(tmp_path: Path, mode: str) -> None:
    data = _flat_png(mode, 4000, 3000)  # a few KB declaring 12 million pixels
    budget = decode_cost(4000, 3000, "RGB", len(data))
    peak, error = _peak(tmp_path, data, budget)
    assert error is None
    assert peak <= budget


def test_an_image_over_the_budget_is_refused_before_decoding(tmp_path: Path) -> None:
    data = _flat_png("RGB", 4000, 3000)
    budget = decode_cost(4000, 3000, "RGB", len(data)) - 1
    peak, error = _peak(tmp_path, data, budget)
    assert error is not None and error.startswith("too_many_pixels")
    assert peak < 16 * 2**20  # nothing the size of the image was allocated


def test_the_refusal_names_the_cost_and_the_limit() -> None:
    data = _flat_png("RGB", 2000, 2000)
    with pytest.raises(MediaError) as refused:
        open_image(data, memory_budget=10 * 2**20)
    assert refused.value.code == MediaErrorCode.TOO_MANY_PIXELS
    assert "MiB to decode; the limit per file is 10 MiB" in refused.value.message
    assert hash_media(data, memory_budget=10 * 2**20).error is not None
