"""Cases benchmark: a generated stream with known ground truth.

Two parts, both against the truth the generator knows:

1. `clustering`: the bulk clustering core (`tipline.clusters.rules.cluster_hashes`) on up to
   a million PDQ hashes derived by bit flips around seed hashes (one seed per offender image;
   each posted copy flips 0..15 random bits, so any two copies are within 30 bits: variants
   PDQ tolerates), mixed with unrelated random hashes. Pairwise precision and recall, time.
2. `pipeline`: real benign images (`tipline.synthetic.images.variants`) in real reports
   through intake, hashing, matching, clustering and linking (embedded SQLite, in process):
   N offenders each posting variants of their own images from several accounts and IPs,
   mixed with unrelated reporters who share one carrier-grade NAT address (as do the
   offenders' phones). Reports-to-cases reduction, precision/recall of files into clusters
   and reports into cases, offenders merged by a shared address, wall time.

    .venv/bin/python benchmarks/cases.py --hashes 1000000 --offenders 12 --bystanders 40
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tipline.clusters.rules import BulkStats, cluster_hashes

NAT = "100.64.12.34"  # carrier-grade NAT space (RFC 6598)


# -- scoring ---------------------------------------------------------------------------------

def pair_scores(truth: Sequence[int], predicted: Sequence[int]) -> tuple[float, float]:
    """Pairwise precision and recall of a partition against the true one."""
    def pairs(counts: Any) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    together = pairs(Counter(zip(truth, predicted, strict=True)).values())
    true_pairs, predicted_pairs = pairs(Counter(truth).values()), pairs(Counter(predicted).values())
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    return precision, recall


# -- part 1: the bulk clustering core --------------------------------------------------------

def flipped_copies(seeds: np.ndarray, family: np.ndarray, max_flips: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Each row: its family's seed with 0..max_flips distinct random bits flipped."""
    hashes = seeds[family].copy()
    flips = rng.integers(0, max_flips + 1, size=len(family))
    order = np.argsort(rng.random((len(family), 256)), axis=1)[:, :max_flips]
    for step in range(max_flips):
        rows = np.nonzero(flips > step)[0]
        bits = order[rows, step]
        hashes[rows, bits >> 3] ^= (1 << (bits & 7)).astype(np.uint8)
    return hashes


def bench_clustering(total: int, families: int, unrelated_share: float,
                     seed: int = 7) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    unrelated = int(total * unrelated_share)
    copies = total - unrelated
    seeds = rng.integers(0, 256, size=(families, 32), dtype=np.uint8)
    family = rng.integers(0, families, size=copies)
    generated = time.perf_counter()
    hashes = np.concatenate([flipped_copies(seeds, family, 15, rng),
                             rng.integers(0, 256, size=(unrelated, 32), dtype=np.uint8)])
    truth = np.concatenate([family, families + np.arange(unrelated)])
    generated = time.perf_counter() - generated
    cluster_hashes(hashes[:2000])  # compile the kernels outside the timing
    stats = BulkStats()
    started = time.perf_counter()
    labels = cluster_hashes(hashes, stats=stats)
    elapsed = time.perf_counter() - started
    precision, recall = pair_scores(truth.tolist(), labels.tolist())
    return {"hashes": total, "families": families, "unrelated": unrelated,
            "seconds": round(elapsed, 1), "generate_seconds": round(generated, 1),
            "clusters_found": len(np.unique(labels)),
            "clusters_true": len(np.unique(truth)),
            "precision": precision, "recall": recall,
            "lsh_tables": stats.tables, "lsh_bits": stats.bits,
            "distances_computed": stats.distances}


# -- part 2: the pipeline ----------------------------------------------------------------------

def bench_pipeline(offenders: int, bystanders: int, seed: int = 11) -> dict[str, Any]:
    from tipline.settings import Settings
    from tipline.state import build_state

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = Settings(environment="test", data_dir=data,
                            evidence_key=base64.b64encode(secrets.token_bytes(32)).decode(),
                            secret_key=secrets.token_urlsafe(32))
        from tipline.db import Database
        from tipline.migrate import upgrade

        db = Database(settings.resolved_database_url)
        upgrade(db)
        db.dispose()
        state = build_state(settings)
        state.index.open()
        try:
            return _run_stream(state, offenders, bystanders, seed)
        finally:
            state.index.stop()
            state.db.dispose()


def _run_stream(state: Any, offenders: int, bystanders: int, seed: int) -> dict[str, Any]:
    from tipline.synthetic.images import generate, to_jpeg, variants

    reporter = _reporter(state)
    rng = np.random.default_rng(seed)
    kinds = ["resized_50", "jpeg_q30", "rot90", "mirror", "caption", "watermark"]
    plan: list[tuple[int, dict[str, Any], dict[str, bytes], list[int]]] = []
    image_id = 0
    tolerated: dict[str, bool] = {}
    for k in range(offenders):
        images = []
        for _ in range(2):  # each offender has two images of their own
            image = generate(1000 + image_id, size=(256, 192))
            images.append((image_id, to_jpeg(image), variants(image)))
            image_id += 1
        for j in range(6):  # six reports, from three accounts, home IP or phone (NAT)
            files: dict[str, bytes] = {}
            truths = []
            for img, original, made in images:
                if j == 0 or rng.random() < 0.7:  # the first report has both originals
                    kind = kinds[int(rng.integers(0, len(kinds)))]
                    name = f"o{k}-r{j}-i{img}"
                    files[name] = made[kind] if j else original
                    tolerated[name] = _tolerated(original, files[name])
                    truths.append(img)
            who = {"account": f"off-{k}-{j % 3}",
                   "ip": f"198.51.{k}.{10 + j % 2}" if j % 2 == 0 else NAT,
                   "at": f"2026-11-{10 + j:02d}T{8 + k % 10:02d}:00:00Z"}
            plan.append((k, who, files, truths))
    for b in range(bystanders):  # strangers on the same mobile carrier, same day
        image = generate(5000 + b, size=(256, 192))
        plan.append((offenders + b, {"account": f"bystander-{b}", "ip": NAT,
                                     "at": f"2026-11-{10 + b % 6:02d}T{b % 24:02d}:30:00Z"},
                     {f"b{b}": to_jpeg(image)}, [image_id]))
        image_id += 1
    order = rng.permutation(len(plan))
    started = time.perf_counter()
    report_truth: dict[int, int] = {}
    file_truth: dict[str, int] = {}
    for i in order:
        owner, who, files, truths = plan[int(i)]
        report_id = _submit(state, reporter, who, files)
        report_truth[report_id] = owner
        file_truth.update(zip(files, truths, strict=True))
    submitted = time.perf_counter() - started
    state.runner.run_until_idle()
    elapsed = time.perf_counter() - started
    result = _score(state, report_truth, file_truth, len(plan), submitted, elapsed, tolerated)
    result["tolerated_files"] = sum(tolerated.values())
    result["offender_files"] = len(tolerated)
    return result


def _tolerated(original: bytes, copy: bytes) -> bool:
    """Would PDQ match this copy to its original (any transform within 31, both hashes of
    usable quality)? Copies PDQ cannot match are left out of the tolerated recall."""
    from tipline.hashing.media import hash_media

    a, b = hash_media(original), hash_media(copy)
    if (a.quality or 0) < 50 or (b.quality or 0) < 50:
        return a.crypto.sha256 == b.crypto.sha256
    base = int(a.pdq["original"], 16)
    return min(bin(base ^ int(h, 16)).count("1") for h in b.pdq.values()) <= 31


def _score(state: Any, report_truth: dict[int, int], file_truth: dict[str, int], reports: int,
           submitted: float, elapsed: float,
           tolerated: dict[str, bool] | None = None) -> dict[str, Any]:
    from sqlalchemy import select

    from tipline.cases.models import CaseReport
    from tipline.clusters.models import ClusterMember
    from tipline.reports.models import ReportFile

    with state.db.sessions() as s:
        cases = {r: c for r, c in s.execute(select(CaseReport.report_id, CaseReport.case_id))}
        clusters = {n: c for n, c in s.execute(
            select(ReportFile.file_name, ClusterMember.cluster_id)
            .join(ClusterMember, ClusterMember.file_id == ReportFile.id))}
    rids = sorted(report_truth)
    case_p, case_r = pair_scores([report_truth[r] for r in rids], [cases[r] for r in rids])
    names = sorted(file_truth)
    clu_p, clu_r = pair_scores([file_truth[n] for n in names], [clusters[n] for n in names])
    kept = [n for n in names if (tolerated or {}).get(n, True)]
    _p, clu_r_tolerated = pair_scores([file_truth[n] for n in kept], [clusters[n] for n in kept])
    owners_per_case: dict[int, set[int]] = {}
    for r in rids:
        owners_per_case.setdefault(cases[r], set()).add(report_truth[r])
    merged = sum(1 for owners in owners_per_case.values() if len(owners) > 1)
    return {"reports": reports, "files": len(names), "cases": len(set(cases.values())),
            "true_cases": len(set(report_truth.values())),
            "reduction": reports / len(set(cases.values())),
            "case_precision": case_p, "case_recall": case_r,
            "cluster_precision": clu_p, "cluster_recall_all_variants": clu_r,
            "cluster_recall_tolerated": clu_r_tolerated,
            "cases_mixing_owners": merged, "submit_seconds": round(submitted, 1),
            "seconds": round(elapsed, 1)}


def _reporter(state: Any) -> Any:
    from tipline.audit.service import Actor
    from tipline.reporters.schemas import ReporterCreate
    from tipline.reporters.service import authenticate, create_reporter

    with state.db.transaction() as session:
        create_reporter(session, ReporterCreate(name="Bench Platform", username="bench",
                                                password="bench-password-123",
                                                country="US"), Actor("bench"))
    with state.db.sessions() as session:
        return authenticate(session, "bench", "bench-password-123", state.credentials)


def _submit(state: Any, reporter: Any, who: dict[str, Any], files: dict[str, bytes]) -> int:
    from tipline.audit.service import Actor
    from tipline.reports import usecases
    from tipline.reports.service import Document

    actor = Actor("bench")
    doc = {
        "incidentSummary": {"incidentType": "Child Pornography (possession, manufacture, and "
                                            "distribution)", "platform": "ExampleChat",
                            "incidentDateTime": who["at"]},
        "reporter": {"reportingPerson": {"email": ["safety@example.test"]}},
        "personOrUserReported": [{
            "espIdentifier": who["account"], "espService": "ExampleChat",
            "ipCaptureEvent": [{"ipAddress": who["ip"], "eventName": "Upload",
                                "dateTime": who["at"]}]}],
    }
    content = state.schema.to_json(state.schema.from_json(doc, "report"))
    report_id: int = usecases.submit(state, reporter, Document(
        content, json.dumps(doc).encode(), "application/json"), "json", None, actor).report_id
    for name, data in files.items():
        uploaded = usecases.upload(state, reporter, report_id, io.BytesIO(data), name,
                                   "image/jpeg", actor)
        details = {"reportId": report_id, "fileId": uploaded.file_id, "fileName": name,
                   "fileViewedByEsp": True}
        element = state.schema.from_json(details, "fileDetails")
        usecases.describe(state, reporter, report_id, uploaded.file_id, Document(
            state.schema.to_json(element), json.dumps(details).encode(), "application/json"),
            actor)
    usecases.finish(state, reporter, report_id, actor)
    return report_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--families", type=int, default=0,
                        help="offender images in part 1 (default: hashes / 10)")
    parser.add_argument("--unrelated", type=float, default=0.2,
                        help="share of part 1's hashes that are unrelated singletons")
    parser.add_argument("--offenders", type=int, default=12)
    parser.add_argument("--bystanders", type=int, default=40)
    args = parser.parse_args()
    result = {"clustering": bench_clustering(args.hashes, args.families or args.hashes // 10,
                                             args.unrelated),
              "pipeline": bench_pipeline(args.offenders, args.bystanders)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
