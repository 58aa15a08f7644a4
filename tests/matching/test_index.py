"""Correctness of the PDQ match index: exact recall against brute force, updates,
persistence and concurrency. Randomised property tests use fixed seeds (reproducible)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from tipline.matching.index import PdqIndex, bytes_to_hex, hex_to_bytes
from tipline.matching.index import _kernels as kern
from tipline.matching.index import index as index_mod
from tipline.matching.index import segment as segment_mod

Hits = list[tuple[int, int]]


def brute(ids: np.ndarray, hashes: np.ndarray, queries: np.ndarray, r: int) -> list[Hits]:
    dist = np.unpackbits(hashes[None, :, :] ^ queries[:, None, :], axis=2).sum(axis=2)
    out = []
    for d in dist:
        rows = np.nonzero(d <= r)[0]
        hits = zip(ids[rows].tolist(), d[rows].tolist(), strict=True)
        out.append(sorted(hits, key=lambda x: (x[1], x[0])))
    return out


def flip(h: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = h.copy()
    for b in bits:
        out[b >> 3] ^= np.uint8(1 << (b & 7))
    return out


def random_flips(rng: np.random.Generator, h: np.ndarray, count: int) -> np.ndarray:
    return flip(h, rng.choice(256, size=count, replace=False))


def clustered(rng: np.random.Generator, n: int, seeds: int) -> np.ndarray:
    """Hashes that cluster like real ones: a few seeds, each with many close variants."""
    base = rng.integers(0, 256, size=(seeds, 32), dtype=np.uint8)
    rows = base[rng.integers(0, seeds, size=n)]
    noise = rng.random((n, 256)) < rng.uniform(0.0, 0.08, size=(n, 1))
    return rows ^ np.packbits(noise, axis=1)


@pytest.fixture(params=["probe", "scan"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each recall test through the multi-index probe AND the brute-force fallback."""
    cost = 0 if request.param == "probe" else 10**9
    monkeypatch.setattr(segment_mod, "PROBE_COST_IN_ROWS", cost)
    return str(request.param)


def test_hex_round_trip_matches_pytx_format() -> None:
    pdqhash = pytest.importorskip("pdqhash")
    y, x = np.mgrid[0:96, 0:96]
    img = np.stack([(x * 2) % 256, (y * 3) % 256, (x + y) % 256], axis=2).astype(np.uint8)
    bits, _quality = pdqhash.compute(img)
    # python-threatexchange renders the bit vector MSB-first as 64 lowercase hex chars.
    pytx_hex = f"{int(''.join(str(int(b)) for b in bits), 2):064x}"
    raw = hex_to_bytes(pytx_hex)
    assert raw == np.packbits(bits.astype(np.uint8)).tobytes()
    assert bytes_to_hex(raw) == pytx_hex
    with pytest.raises(ValueError):
        hex_to_bytes("ab")


def test_thresholds_satisfy_pigeonhole() -> None:
    for r in range(0, 80):
        t = segment_mod.thresholds(r)
        assert (t >= 0).all() and int((t + 1).sum()) > r


@pytest.mark.parametrize("radius", [0, 3, 8, 17, 31, 32, 45, 64])
def test_exact_recall_uniform(path: str, radius: int) -> None:
    rng = np.random.default_rng(radius)
    hashes = rng.integers(0, 256, size=(3000, 32), dtype=np.uint8)
    ids = rng.permutation(10_000)[:3000].astype(np.int64)
    idx = PdqIndex()
    idx.add(ids, hashes)
    near = np.stack([random_flips(rng, hashes[i], int(rng.integers(0, 40))) for i in range(40)])
    queries = np.concatenate([near, rng.integers(0, 256, size=(10, 32), dtype=np.uint8)])
    assert idx.query_batch(queries, radius) == brute(ids, hashes, queries, radius)


@pytest.mark.parametrize("radius", [10, 31, 40])
def test_exact_recall_clustered_with_duplicates(path: str, radius: int) -> None:
    rng = np.random.default_rng(100 + radius)
    hashes = clustered(rng, 4000, seeds=12)
    hashes[:200] = hashes[0]  # a pile of exact duplicates (one huge bucket per table)
    ids = np.arange(4000, dtype=np.int64)
    idx = PdqIndex()
    idx.add(ids, hashes)
    queries = np.concatenate([clustered(rng, 30, seeds=12), hashes[:2], hashes[-3:]])
    assert idx.query_batch(queries, radius) == brute(ids, hashes, queries, radius)


def substring_bits(j: int, k: int) -> np.ndarray:
    """Bit numbers (byte * 8 + bit) of table j's key+fingerprint substring."""
    word_bits = np.arange(k + kern.FP_BITS)
    return (8 * (word_bits // 8) + j) * 8 + word_bits % 8


@pytest.mark.parametrize("radius", [7, 8, 9, 24, 31, 33])
def test_adversarial_boundary_distances(path: str, radius: int) -> None:
    """Entries at exactly r and r+1, with flips packed so every table but one is just
    over its threshold: the cases a wrong pigeonhole bound or an off-by-one would miss."""
    rng = np.random.default_rng(radius)
    filler = rng.integers(0, 256, size=(2000, 32), dtype=np.uint8)
    k = segment_mod.choose_key_bits(2000 + 400)
    t = segment_mod.thresholds(radius)
    q = rng.integers(0, 256, size=32, dtype=np.uint8)
    made = []
    for target in (radius, radius + 1):
        for _ in range(100):
            lucky = int(rng.integers(0, kern.N_TABLES))
            counts = t + 1
            counts[lucky] = t[lucky]
            bits = [rng.choice(substring_bits(j, k), size=int(c), replace=False)
                    for j, c in enumerate(counts)]  # fmt: skip
            chosen = np.concatenate(bits)
            spare = np.setdiff1d(np.arange(256), chosen)
            # Take bits off (or add spare ones) to hit the exact target distance.
            if chosen.size > target:
                chosen = rng.choice(chosen, size=target, replace=False)
            else:
                chosen = np.concatenate([chosen, rng.choice(spare, target - chosen.size, False)])
            made.append(flip(q, chosen))
    hashes = np.concatenate([filler, np.stack(made)])
    ids = np.arange(hashes.shape[0], dtype=np.int64)
    idx = PdqIndex()
    idx.add(ids, hashes)
    got = idx.query(q.tobytes(), radius)
    assert got == brute(ids, hashes, q[None, :], radius)[0]
    assert sum(1 for _, d in got if d == radius) == 100


def test_add_remove_visibility_and_readd() -> None:
    rng = np.random.default_rng(7)
    hashes = rng.integers(0, 256, size=(20_000, 32), dtype=np.uint8)
    idx = PdqIndex()
    idx.add(np.arange(20_000), hashes)  # bulk: goes straight to a segment
    new = random_flips(rng, hashes[5], 3)
    idx.add(np.array([99_999]), new[None, :])  # small: goes to the delta
    assert (99_999, 3) in idx.query(hashes[5])
    assert len(idx) == 20_001
    idx.remove(np.array([5, 99_999, 123_456_789]))
    assert idx.query(hashes[5]) == []
    assert len(idx) == 19_999
    idx.add(np.array([5]), new[None, :])  # re-adding a removed id with a new hash
    assert idx.query(new, radius=0) == [(5, 0)]
    assert (5, 3) in idx.query(hashes[5])


def test_many_small_adds_merge_in_background(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_mod, "DELTA_ROWS", 64)
    rng = np.random.default_rng(8)
    hashes = clustered(rng, 3000, seeds=5)
    ids = np.arange(3000, dtype=np.int64)
    idx = PdqIndex()
    for i in range(0, 3000, 50):
        idx.add(ids[i : i + 50], hashes[i : i + 50])
        if i % 500 == 0:
            idx.remove(ids[i : i + 7])
    idx.wait_for_merges()
    alive = np.ones(3000, dtype=bool)
    for i in range(0, 3000, 500):
        alive[i : i + 7] = False
    queries = hashes[::97]
    expected = brute(ids[alive], hashes[alive], queries, 31)
    assert idx.query_batch(queries) == expected
    assert len(idx._state.segments) <= 6
    idx.compact()
    assert idx.query_batch(queries) == expected and len(idx) == int(alive.sum())


@pytest.mark.parametrize("mmap", [True, False])
def test_save_load_round_trip(tmp_path: Path, mmap: bool) -> None:
    rng = np.random.default_rng(9)
    hashes = clustered(rng, 12_000, seeds=20)
    ids = rng.choice(10**12, size=12_000, replace=False).astype(np.int64)
    idx = PdqIndex(tmp_path)
    idx.add(ids[:10_000], hashes[:10_000])
    idx.add(ids[10_000:], hashes[10_000:])  # stays in the delta
    idx.remove(ids[:3])
    queries = hashes[::400]
    before = idx.query_batch(queries)
    idx.save()
    loaded = PdqIndex.load(tmp_path, mmap=mmap)
    assert loaded.query_batch(queries) == before and len(loaded) == len(idx)
    # Changes after a reopen persist too, and superseded files are cleaned up.
    loaded.remove(ids[3:6])
    loaded.add(np.array([1, 2]), hashes[:2])
    loaded.save()
    again = PdqIndex(tmp_path)
    assert len(again) == len(idx) - 3 + 2
    assert again.query_batch(queries) == loaded.query_batch(queries)
    assert len(list(tmp_path.glob("delta-*"))) == 1
    assert not list(tmp_path.glob("*.tmp*"))


def test_crash_leftovers_are_ignored(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    hashes = rng.integers(0, 256, size=(500, 32), dtype=np.uint8)
    idx = PdqIndex(tmp_path)
    idx.add(np.arange(500), hashes)
    idx.save()
    # A crash mid-save leaves temp files and an unreferenced segment; the manifest
    # still names the previous complete state.
    (tmp_path / "manifest.json.tmp").write_text("{garbage")
    (tmp_path / "seg-deadbeef.tmp-1234").mkdir()
    reopened = PdqIndex.load(tmp_path)
    assert reopened.query(hashes[7]) == [(7, 0)]
    reopened.save()
    assert not (tmp_path / "seg-deadbeef.tmp-1234").exists()


def test_load_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        PdqIndex.load(tmp_path / "nope")
    with pytest.raises(ValueError):
        PdqIndex().save()


def test_bad_inputs() -> None:
    idx = PdqIndex()
    with pytest.raises(ValueError):
        idx.add(np.arange(2), np.zeros((3, 32), dtype=np.uint8))
    with pytest.raises(ValueError):
        idx.query(b"\x00" * 31)
    with pytest.raises(TypeError):
        idx.add(np.arange(1), np.zeros((1, 32), dtype=np.int64))
    assert idx.query(b"\x00" * 32, radius=-1) == []


def test_concurrent_queries_while_adding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_mod, "DELTA_ROWS", 256)
    rng = np.random.default_rng(11)
    hashes = rng.integers(0, 256, size=(6000, 32), dtype=np.uint8)
    idx = PdqIndex()
    idx.add(np.arange(1000), hashes[:1000])
    added = [1000]  # ids < added[0] are committed
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                committed = added[0]
                probe_id = int(rng.integers(0, committed))
                hits = idx.query(hashes[probe_id], radius=0)
                assert (probe_id, 0) in hits, (probe_id, committed)
        except BaseException as e:  # surface failures in the main thread
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for th in threads:
        th.start()
    for i in range(1000, 6000, 100):
        idx.add(np.arange(i, i + 100), hashes[i : i + 100])
        added[0] = i + 100
    stop.set()
    for th in threads:
        th.join()
    idx.wait_for_merges()
    assert not errors, errors[0]
    assert len(idx) == 6000
    assert idx.query_batch(hashes[::300], 0) == [[(i, 0)] for i in range(0, 6000, 300)]
