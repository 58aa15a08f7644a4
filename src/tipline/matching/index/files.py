"""The files of a saved PdqIndex: the manifest, atomic array writes, loading, and removing
files that a newer save no longer names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from tipline.matching.index.segment import Segment, write_npy

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def atomic_npy(root: Path, name: str, array: np.ndarray) -> None:
    tmp = root / f"{name}.tmp"
    write_npy(tmp, array)
    os.replace(tmp, root / name)


def atomic_npz(root: Path, name: str, ids: np.ndarray, hashes: np.ndarray) -> None:
    tmp = root / f"{name}.tmp"
    with open(tmp, "wb") as f:
        np.savez(f, ids=ids, hashes=hashes)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / name)


def read_saved(root: Path, mmap: bool) -> tuple[tuple[Segment, ...], np.ndarray, np.ndarray]:
    """The segments and the delta rows (ids, hashes) of a saved index."""
    manifest = json.loads((root / MANIFEST).read_text())
    if manifest.get("version") != FORMAT_VERSION:
        raise ValueError(f"unsupported PDQ index format {manifest.get('version')}")
    segs = tuple(
        Segment.open(root, entry["name"], entry["dead"], mmap) for entry in manifest["segments"]
    )
    with np.load(root / manifest["delta"]) as delta:
        d_ids, d_hashes = delta["ids"].astype(np.int64), delta["hashes"].astype(np.uint8)
    return segs, d_ids, d_hashes


def collect_garbage(root: Path, manifest: dict[str, object]) -> None:
    """Delete files of merged-away segments, old dead bitmaps, deltas and temp files."""
    segments = manifest["segments"]
    assert isinstance(segments, list)
    keep = {MANIFEST, str(manifest["delta"])}
    for entry in segments:
        keep.add(entry["name"])
        if entry["dead"]:
            keep.add(entry["dead"])
    for path in root.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and path.name.startswith("seg-"):
            for f in path.iterdir():
                f.unlink()
            path.rmdir()
        elif path.name.startswith(("seg-", "delta-", f"{MANIFEST}.tmp")):
            path.unlink()
