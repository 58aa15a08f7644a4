"""Media clusters across reports: variants of one image (re-encoded, resized, rotated,
mirrored) land in one cluster, unrelated images do not; a bridging file merges clusters;
known material is marked; undecodable files cluster by SHA-256 only."""

from __future__ import annotations

import numpy as np
from PIL import Image
from sqlalchemy import select

from linking_support import bank_image, cluster_by_name, live_clusters, login, run, submit
from tipline.clusters.models import ClusterEvent, ClusterMember, MediaCluster
from tipline.clusters.rules import Edge, cluster_hashes, components, hamming_matrix, plan_groups
from tipline.hashing.media import hash_media
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg, variants


def test_variants_across_reports_share_a_cluster(state: AppState) -> None:
    reporter = login(state)
    image = generate(3, size=(256, 192))
    copies = variants(image)
    submit(state, reporter, {"a-original": to_jpeg(image),
                             "x-unrelated": to_jpeg(generate(4, size=(256, 192)))},
           account="alice")
    submit(state, reporter, {"b-rot90": copies["rot90"], "b-mirror": copies["mirror"]},
           account="bob")
    submit(state, reporter, {"c-small": copies["resized_50"], "c-copy": to_jpeg(image),
                             "y-unrelated": to_jpeg(generate(5, size=(256, 192)))}, account="carol")
    run(state)
    clusters = cluster_by_name(state)
    same = {clusters[n] for n in ("a-original", "b-rot90", "b-mirror", "c-small", "c-copy")}
    assert len(same) == 1
    assert len({clusters["x-unrelated"], clusters["y-unrelated"], *same}) == 3
    with state.db.sessions() as s:
        joined = {f: j for f, j in s.execute(select(ClusterMember.file_id,
                                                    ClusterMember.joined_by))}
        [cluster] = s.scalars(select(MediaCluster).where(MediaCluster.id.in_(same)))
    assert (cluster.files, cluster.reports, cluster.known, cluster.kind) == (5, 3, False, "image")
    reasons = sorted(r.split(":")[0] for r in joined.values())
    assert reasons.count("new") == 3 and "sha256" in reasons and "pdq" in reasons


def test_a_bridging_file_merges_two_clusters(state: AppState) -> None:
    """An image and a tighter crop of it are 50 bits apart (two clusters); a crop halfway is
    within 31 of both, so it joins them: the younger cluster merges into the older."""
    reporter = login(state)
    image = generate(11)
    near, far = to_jpeg(image), to_jpeg(_crop(image, 0.035))
    bridge = to_jpeg(_crop(image, 0.0175))
    assert _distance(_pdq(near), _pdq(far)) > 31
    assert max(_distance(_pdq(bridge), _pdq(near)), _distance(_pdq(bridge), _pdq(far))) <= 31
    submit(state, reporter, {"a": near}, account="one")
    submit(state, reporter, {"b": far}, account="two")
    run(state)
    before = cluster_by_name(state)
    assert before["a"] != before["b"]
    submit(state, reporter, {"bridge": bridge}, account="three")
    run(state)
    after = cluster_by_name(state)
    old, young = min(before.values()), max(before.values())
    assert after["a"] == after["b"] == after["bridge"] == old
    with state.db.sessions() as s:
        merged = s.get(MediaCluster, young)
        assert merged is not None and merged.merged_into_id == old
        kinds = [(e.cluster_id, e.kind, e.detail.get("into") or e.detail.get("from"))
                 for e in s.scalars(select(ClusterEvent).order_by(ClusterEvent.id))]
    assert (young, "merged", old) in kinds and (old, "absorbed", young) in kinds
    [live] = live_clusters(state)
    assert (live.id, live.files, live.reports) == (old, 3, 3)


def _crop(image: Image.Image, frac: float) -> Image.Image:
    w, h = image.size
    dx, dy = round(w * frac), round(h * frac)
    return image.crop((dx, dy, w - dx, h - dy))


def _pdq(data: bytes) -> str:
    return hash_media(data).pdq["original"]


def _distance(x: str, y: str) -> int:
    return bin(int(x, 16) ^ int(y, 16)).count("1")


def test_bank_match_marks_the_cluster_known(state: AppState) -> None:
    reporter = login(state)
    image = generate(21, size=(256, 192))
    bank_image(state, "known", "positive", to_jpeg(image))
    other = to_jpeg(generate(22, size=(256, 192)))
    submit(state, reporter, {"k": variants(image)["jpeg_q30"], "n": other}, account="x")
    run(state)
    clusters = cluster_by_name(state)
    with state.db.sessions() as s:
        known = {c.id: c.known for c in s.scalars(select(MediaCluster))}
    assert known[clusters["k"]] is True and known[clusters["n"]] is False


def test_undecodable_files_cluster_by_sha256_only(state: AppState) -> None:
    reporter = login(state)
    junk = b"\xff\xd8\xff\xe0 not really a jpeg " * 20
    submit(state, reporter, {"j1": junk, "t1": b"plain text"}, account="a")
    submit(state, reporter, {"j2": junk, "t2": b"other text"}, account="b")
    run(state)
    clusters = cluster_by_name(state)
    assert clusters["j1"] == clusters["j2"]
    assert len({clusters["j1"], clusters["t1"], clusters["t2"]}) == 3


def test_video_copies_cluster_by_vpdq(state: AppState) -> None:
    from tipline.synthetic.videos import make_video, transcode

    reporter = login(state)
    video = make_video(5, seconds=3.0)
    submit(state, reporter, {"v": video}, account="a")
    submit(state, reporter, {"v-small": transcode(video, size=(96, 72)),
                             "other": make_video(77, seconds=3.0)}, account="b")
    run(state)
    clusters = cluster_by_name(state)
    assert clusters["v"] == clusters["v-small"] != clusters["other"]


# -- the pure core ---------------------------------------------------------------------------

def test_components_and_groups() -> None:
    labels = components(6, np.array([0, 2, 4]), np.array([1, 3, 2]))
    assert labels.tolist() == [0, 0, 2, 2, 2, 5]
    # files 0,1 bridge existing clusters 7 and 9 (nodes 3, 4); file 2 is new material
    groups = plan_groups(3, [9, 7], [Edge(0, 3, "pdq", 4), Edge(1, 4, "sha256"),
                                     Edge(1, 0, "pdq", 9)])
    by_files = {tuple(g.files): (sorted(g.clusters), g.target) for g in groups}
    assert by_files == {(0, 1): ([7, 9], 7), (2,): ([], None)}


def test_bulk_clustering_recovers_families() -> None:
    rng = np.random.default_rng(0)
    seeds = rng.integers(0, 256, size=(200, 32), dtype=np.uint8)
    family = np.repeat(np.arange(200), 6)
    hashes = seeds[family].copy()
    for row in range(len(hashes)):
        for bit in rng.choice(256, size=int(rng.integers(0, 16)), replace=False):
            hashes[row, bit >> 3] ^= np.uint8(1 << (bit & 7))
    labels = cluster_hashes(hashes)
    assert len(set(labels.tolist())) == 200
    assert all(len(set(labels[family == f].tolist())) == 1 for f in range(200))
    assert hamming_matrix(hashes[:1], hashes[:1]).tolist() == [[0]]
