"""How well PDQ matches re-posted copies, with and without tipline's robustness measures.

For N generated benign "photo" images (bank entries) and every variant kind from
``tipline.synthetic.VARIANT_KINDS``, a variant counts as recalled if any of its query hashes
is within distance 31 of any hash stored for its own entry:

* plain:   query = PDQ of the variant;  bank = PDQ of the entry
* robust:  query = original + border-stripped hashes;  bank = augmentation_hashes(entry)

The cost side: unrelated entry pairs (i != j) whose query hash set and bank hash set come
within 31 of each other, i.e. false matches among the generated images.

    PYTHONPATH=src .venv/bin/python benchmarks/robustness.py --n 300
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tipline.hashing.pdq import MATCH_DISTANCE, pdq_hash
from tipline.hashing.robust import augmentation_hashes, query_hashes
from tipline.synthetic import VARIANT_KINDS, generate, to_jpeg, variants


def _to_matrix(hexes: list[str]) -> np.ndarray:
    """Hex hashes to an (n, 32) uint8 bit-packed matrix for vectorised Hamming distances."""
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, 32)


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint16)


def _min_dist(query: np.ndarray, bank: np.ndarray) -> int:
    return int(_POPCOUNT[query[:, None, :] ^ bank[None, :, :]].sum(axis=2).min())


def _cross_matches(queries: list[np.ndarray], banks: list[np.ndarray]) -> tuple[int, int]:
    """(ordered pairs (i, j), i != j, where query set i matches bank set j; the smallest
    distance between any unrelated query and bank hash, i.e. the safety margin)."""
    q_all = np.concatenate(queries)
    q_owner = np.repeat(np.arange(len(queries)), [len(q) for q in queries])
    b_all = np.concatenate(banks)
    b_owner = np.repeat(np.arange(len(banks)), [len(b) for b in banks])
    hits: set[tuple[int, int]] = set()
    closest = 256
    for start in range(0, len(q_all), 64):  # chunked to bound memory
        d = _POPCOUNT[q_all[start : start + 64, None, :] ^ b_all[None, :, :]].sum(axis=2)
        unrelated = q_owner[start : start + 64, None] != b_owner[None, :]
        closest = min(closest, int(d[unrelated].min()))
        qi, bi = np.nonzero(d <= MATCH_DISTANCE)
        hits.update(
            (int(q_owner[start + a]), int(b_owner[b]))
            for a, b in zip(qi, bi, strict=True)
            if q_owner[start + a] != b_owner[b]
        )
    return len(hits), closest


def run(n_images: int = 300, size: tuple[int, int] = (640, 480)) -> dict[str, object]:
    t0 = time.perf_counter()
    plain_bank: list[np.ndarray] = []
    robust_bank: list[np.ndarray] = []
    plain_q: list[np.ndarray] = []
    robust_q: list[np.ndarray] = []
    recall_plain = dict.fromkeys(VARIANT_KINDS, 0)
    recall_robust = dict.fromkeys(VARIANT_KINDS, 0)
    bank_sizes: list[int] = []
    for seed in range(n_images):
        img = generate(seed, size)
        entry = to_jpeg(img, quality=90)
        pb = _to_matrix([pdq_hash(entry, fast=False).hex])
        rb = _to_matrix([h for _, h in augmentation_hashes(entry)])
        plain_bank.append(pb)
        robust_bank.append(rb)
        bank_sizes.append(len(rb))
        # Cost side: the unmodified entry used as a query against the other entries.
        plain_q.append(_to_matrix([pdq_hash(entry).hex]))
        robust_q.append(_to_matrix([h for _, h in query_hashes(entry)]))
        for kind, data in variants(img, seed).items():
            if _min_dist(_to_matrix([pdq_hash(data).hex]), pb) <= MATCH_DISTANCE:
                recall_plain[kind] += 1
            if _min_dist(_to_matrix([h for _, h in query_hashes(data)]), rb) <= MATCH_DISTANCE:
                recall_robust[kind] += 1
    pairs = n_images * (n_images - 1)
    fp_plain, near_plain = _cross_matches(plain_q, plain_bank)
    fp_robust, near_robust = _cross_matches(robust_q, robust_bank)
    return {
        "n_images": n_images,
        "size": size,
        "recall_plain": {k: v / n_images for k, v in recall_plain.items()},
        "recall_robust": {k: v / n_images for k, v in recall_robust.items()},
        "false_pairs_plain": fp_plain,
        "false_pairs_robust": fp_robust,
        "closest_unrelated_plain": near_plain,
        "closest_unrelated_robust": near_robust,
        "ordered_pairs": pairs,
        "mean_bank_hashes": float(np.mean(bank_sizes)),
        "seconds": time.perf_counter() - t0,
    }


def _print(res: dict[str, object]) -> None:
    rp = res["recall_plain"]
    rr = res["recall_robust"]
    assert isinstance(rp, dict) and isinstance(rr, dict)
    print("| variant | plain PDQ recall | strip + augmentation recall |")
    print("|---|---:|---:|")
    for kind in VARIANT_KINDS:
        print(f"| {kind} | {rp[kind]:.1%} | {rr[kind]:.1%} |")
    print()
    print(
        f"images: {res['n_images']} at {res['size']}, ordered unrelated pairs: "
        f"{res['ordered_pairs']}, mean stored hashes per entry: {res['mean_bank_hashes']:.1f}"
    )
    print(
        f"false matching pairs (<= {MATCH_DISTANCE}): plain {res['false_pairs_plain']}, "
        f"robust {res['false_pairs_robust']}"
    )
    print(
        f"closest unrelated hashes: plain {res['closest_unrelated_plain']}, "
        f"robust {res['closest_unrelated_robust']} bits"
    )
    print(f"took {res['seconds']:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="number of generated entries")
    _print(run(parser.parse_args().n))
