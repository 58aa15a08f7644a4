"""Peak memory of hashing adversarial images, each in a fresh process (Pillow allocates
pixels outside Python's allocator, so tracemalloc cannot see them: the figure is the growth
of the process's peak resident size, VmHWM in /proc/self/status, while `hash_media` runs on
the file; the file's own bytes are read before and not counted).

    .venv/bin/python benchmarks/decode_memory.py

Prints one line per image: its size on disk, the pixels it declares, the peak memory hashing
it took, the budget's estimate, and the outcome (hashed, or the error); recorded in
docs/security.md."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tipline.hashing.decode import DEFAULT_MEMORY_BUDGET

MEASURE = """
import json, sys
from tipline.hashing.media import hash_media

def peak():  # VmHWM: this process's peak resident size, reset at exec (ru_maxrss is not)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

data = open(sys.argv[1], "rb").read()
hash_media(b"")  # imports and first-call set-up are not the file's cost
before = peak()
media = hash_media(data, memory_budget=int(sys.argv[2]))
print(json.dumps({"peak_mib": peak() - before, "error": media.error}))
"""
WRITE = """
import sys
from PIL import Image
mode, width, height, fmt, path = sys.argv[1:]
Image.new(mode, (int(width), int(height))).save(path, fmt)
"""
# Flat images compress to a few KB whatever the pixels they declare.
CASES = [("RGB PNG 6000x6000", "RGB", (6000, 6000), "PNG"),
         ("RGBA PNG 6000x6000", "RGBA", (6000, 6000), "PNG"),
         ("RGB PNG 6500x6500", "RGB", (6500, 6500), "PNG"),
         ("RGBA PNG 7000x7000", "RGBA", (7000, 7000), "PNG"),
         ("palette PNG 7000x7000", "P", (7000, 7000), "PNG"),
         ("grey PNG 7000x7000", "L", (7000, 7000), "PNG"),
         ("RGB JPEG 7000x7000", "RGB", (7000, 7000), "JPEG"),
         ("GIF 7000x7000", "P", (7000, 7000), "GIF"),
         ("RGB BMP 4000x4000", "RGB", (4000, 4000), "BMP"),
         ("RGB TIFF 5000x5000", "RGB", (5000, 5000), "TIFF")]


def measure(path: Path, budget: int) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path), str(budget)],
                         capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> None:
    budget = DEFAULT_MEMORY_BUDGET
    print(f"budget {budget / 2**20:.0f} MiB per file")
    with tempfile.TemporaryDirectory() as folder:
        for name, mode, (width, height), fmt in CASES:
            path = Path(folder) / f"image.{fmt.lower()}"
            subprocess.run([sys.executable, "-c", WRITE, mode, str(width), str(height), fmt,
                            str(path)], check=True)
            result = measure(path, budget)
            outcome = "hashed" if result["error"] is None else str(result["error"])[:17]
            print(f"{name:22} {path.stat().st_size / 1024:8.1f} KiB "
                  f"{width * height / 1e6:5.1f} Mpx peak {result['peak_mib']:6.1f} MiB  "
                  f"{outcome}")


if __name__ == "__main__":
    main()
