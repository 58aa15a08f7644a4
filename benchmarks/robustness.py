"""How well PDQ matches re-posted copies: plain, with the earlier measures, and with the
measures for harder copies (tilts, caption bars, stickers and text, hard crops).

For `--n` generated benign "photo" images (bank entries) and every copy kind of
``tipline.synthetic.VARIANT_KINDS`` and ``tipline.synthetic.edits.HARD_KINDS``, a copy counts
as recalled if any of its query hashes is within distance 31 of any hash stored for its own
entry:

* plain:    query = PDQ of the copy;  bank = PDQ of the entry
* earlier:  query = original + border-stripped;  bank = rotations/mirrors + crops (29 hashes)
* hard:     query adds hashing/hard.py's (untilted, caption bar cut, six sub-regions);
            bank adds tilts, 15-21% crops and the sub-regions

False matches: every copy (of every kind) of entry i is a query against every other entry j,
plus `--distractors` further bank entries no copy was made of. A pair (copy, entry) is false
when any of the copy's query hashes is within 31 of any of the entry's stored hashes; every
pair is a full hash-set against hash-set comparison (numpy popcounts).

    PYTHONPATH=src .venv/bin/python benchmarks/robustness.py --n 150 --distractors 350
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from PIL import Image

from tipline.hashing.decode import fast_array, open_image, strict_array
from tipline.hashing.hard import bank_images, query_images
from tipline.hashing.pdq import MATCH_DISTANCE, hash_array
from tipline.hashing.robust import augmentation_hashes, uniform_border_box
from tipline.synthetic import VARIANT_KINDS, generate, to_jpeg, variants
from tipline.synthetic.edits import HARD_KINDS, hard_variants

MODES = ("plain", "earlier", "hard")
KINDS = (*VARIANT_KINDS, *HARD_KINDS)


def matrix(hexes: list[str]) -> np.ndarray:
    """Hex hashes to an (n, 4) uint64 matrix for vectorised Hamming distances."""
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint64).reshape(-1, 4)


def min_dist(query: np.ndarray, bank: np.ndarray) -> int:
    return int(np.bitwise_count(query[:, None, :] ^ bank[None, :, :]).sum(axis=2).min())


def bank_sets(entry: bytes) -> dict[str, list[str]]:
    img = open_image(entry, fast=False)
    plain = [hash_array(strict_array(img)).hex]
    earlier = [h for _, h in augmentation_hashes(entry, hard=False)]
    box = uniform_border_box(img)
    upright = img.crop(box) if box else img
    hard = earlier + [hash_array(strict_array(part)).hex for _, part in bank_images(upright)]
    return {"plain": plain, "earlier": earlier, "hard": list(dict.fromkeys(hard))}


def query_sets(data: bytes, hard_too: bool = True) -> dict[str, list[str]]:
    img = open_image(data, fast=True)
    plain = [hash_array(fast_array(img)).hex]
    box = uniform_border_box(img)
    earlier = plain + ([hash_array(fast_array(img.crop(box))).hex] if box else [])
    if not hard_too:
        return {"plain": plain, "earlier": earlier}
    hard = earlier + [hash_array(fast_array(part)).hex for _, part in query_images(img)]
    return {"plain": plain, "earlier": earlier, "hard": list(dict.fromkeys(hard))}


def copies(img: Image.Image, seed: int) -> dict[str, bytes]:
    return {**variants(img, seed), **hard_variants(img, seed)}


def false_pairs(queries: list[list[str]], query_owner: list[int], banks: list[list[str]]
                ) -> tuple[int, int, int]:
    """(unrelated (copy, entry) pairs compared, pairs within 31, closest unrelated distance)."""
    q = matrix([h for hs in queries for h in hs])
    q_copy = np.repeat(np.arange(len(queries)), [len(hs) for hs in queries])
    q_entry = np.array(query_owner)[q_copy]
    b = matrix([h for hs in banks for h in hs])
    b_entry = np.repeat(np.arange(len(banks)), [len(hs) for hs in banks])
    hits: set[tuple[int, int]] = set()
    closest = 256
    for start in range(0, len(q), 256):  # chunked to bound memory
        d = np.bitwise_count(q[start:start + 256, None, :] ^ b[None, :, :]).sum(
            axis=2, dtype=np.int16)
        unrelated = q_entry[start:start + 256, None] != b_entry[None, :]
        closest = min(closest, int(d[unrelated].min()))
        qi, bi = np.nonzero((d <= MATCH_DISTANCE) & unrelated)
        hits.update(zip(q_copy[start + qi].tolist(), b_entry[bi].tolist(), strict=True))
    pairs = sum(len(banks) - 1 for _ in queries)
    return pairs, len(hits), closest


def timed(fn: Callable[[], object], times: int = 20) -> float:
    t0 = time.process_time()
    for _ in range(times):
        fn()
    return time.process_time() - t0


def run(n: int, distractors: int, size: tuple[int, int] = (640, 480)) -> dict[str, object]:
    t0 = time.perf_counter()
    recalled = {m: dict.fromkeys(KINDS, 0) for m in MODES}
    banks: dict[str, list[list[str]]] = {m: [] for m in MODES}
    queries: dict[str, list[list[str]]] = {m: [] for m in MODES}
    owner: list[int] = []
    for seed in range(n + distractors):
        img = generate(seed, size)
        stored = bank_sets(to_jpeg(img, quality=90))
        for m in MODES:
            banks[m].append(stored[m])
        if seed >= n:
            continue
        own = {m: matrix(stored[m]) for m in MODES}
        for kind, data in copies(img, seed).items():
            asked = query_sets(data)
            owner.append(seed)
            for m in MODES:
                queries[m].append(asked[m])
                if min_dist(matrix(asked[m]), own[m]) <= MATCH_DISTANCE:
                    recalled[m][kind] += 1
    sample = to_jpeg(generate(10_001, size), quality=85)
    cost = {"query_cpu_ms_earlier": 1000 * timed(lambda: query_sets(sample, False)) / 20,
            "query_cpu_ms_hard": 1000 * timed(lambda: query_sets(sample)) / 20}
    false = {m: false_pairs(queries[m], owner, banks[m]) for m in MODES}
    return {
        "n": n, "distractors": distractors, "size": size,
        "recall": {m: {k: v / n for k, v in recalled[m].items()} for m in MODES},
        "false": false,
        "stored": {m: float(np.mean([len(b) for b in banks[m]])) for m in MODES},
        "asked": {m: float(np.mean([len(q) for q in queries[m]])) for m in MODES},
        **cost, "seconds": time.perf_counter() - t0,
    }


def report(res: dict[str, object]) -> None:
    recall = res["recall"]
    false = res["false"]
    assert isinstance(recall, dict) and isinstance(false, dict)
    print("| copy | plain | earlier | hard |")
    print("| --- | ---: | ---: | ---: |")
    for kind in KINDS:
        print(f"| {kind} | " + " | ".join(f"{recall[m][kind]:.1%}" for m in MODES) + " |")
    print()
    print(f"entries with copies: {res['n']}, distractor entries: {res['distractors']}, "
          f"size {res['size']}")
    for m in MODES:
        pairs, hits, closest = false[m]
        print(f"{m}: stored {res['stored'][m]:.1f} hashes/entry, "  # type: ignore[index]
              f"asked {res['asked'][m]:.1f} hashes/copy; "  # type: ignore[index]
              f"false matches {hits} of {pairs:,} unrelated (copy, entry) pairs; "
              f"closest unrelated {closest} bits")
    print(f"query hashing CPU per 640x480 JPEG: earlier {res['query_cpu_ms_earlier']:.1f} ms, "
          f"hard {res['query_cpu_ms_hard']:.1f} ms")
    print(f"took {res['seconds']:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=150, help="entries with copies")
    parser.add_argument("--distractors", type=int, default=350,
                        help="further entries, only as targets of false matches")
    args = parser.parse_args()
    report(run(args.n, args.distractors))
