"""Retroactive matching end to end, on both databases, with the server's own threads: a file
received before its hash reached any bank is matched after a bank import (which calls nothing
of retroactive matching), its cluster becomes known material, its case is re-triaged and a new
version is queued for its route; disabling the entry undoes it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from linking_support import case_of, login, submit
from routing_support import import_sample
from tipline.audit.service import Actor
from tipline.banks import usecases as banks
from tipline.banks.formats import FORMATS
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.cases.models import Case
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.delivery.models import Delivery
from tipline.hashing.pdq import pdq_distance, pdq_hash
from tipline.matching.models import FileMatch
from tipline.pipeline.models import PipelineJob
from tipline.reports.models import ReportFile
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg, variants

from support import PATIENCE, LiveServer

ACTOR = Actor("test")
MINUTE = 60.0  # the promise: matched within a minute of the import (a generous ceiling)


def wait(predicate: Any, timeout: float, what: str) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout}s")


def processed(state: AppState, report_id: int) -> None:
    def done() -> bool:
        with state.db.sessions() as s:
            job = s.get(PipelineJob, report_id)
            return job is not None and job.status == "done"
    wait(done, PATIENCE, f"report {report_id} processed")


def snapshot(state: AppState, report_id: int) -> dict[str, Any]:
    with state.db.sessions() as s:
        file_id = s.scalar(select(ReportFile.id).where(ReportFile.report_id == report_id))
        case = s.get(Case, case_of(state)[report_id])
        assert case is not None
        cluster = s.scalar(select(MediaCluster).join(
            ClusterMember, ClusterMember.cluster_id == MediaCluster.id)
            .where(ClusterMember.file_id == file_id))
        return {
            "matches": [(m.distance, m.suppressed) for m in s.scalars(
                select(FileMatch).where(FileMatch.file_id == file_id))],
            "level": case.priority_level, "score": case.priority_score,
            "reasons": list(case.priority_reasons or []),
            "known": cluster.known if cluster else None,
            "versions": sorted(d.case_version for d in s.scalars(
                select(Delivery).where(Delivery.case_id == case.id))),
            "statuses": sorted(d.status for d in s.scalars(
                select(Delivery).where(Delivery.case_id == case.id))),
        }


def import_list(state: AppState, tmp_path: Path, value: str, name: str) -> None:
    record = HashRecord("pdq", value, classifications={"industry": "A1"}, contributor="NGO",
                        source_list="daily")
    path = tmp_path / f"{name}.csv"
    path.write_bytes(FORMATS["csv"].write([record]))
    banks.import_file(state.db, None, "known", path, "csv", ACTOR)


def new_material(reasons: list[Any]) -> bool:
    return any("new material" in str(r) for r in reasons)


def test_history_is_matched_when_a_bank_learns_its_hash(server: LiveServer, state: AppState,
                                                        tmp_path: Path) -> None:
    import_sample(state)
    original = generate(4242)
    received = variants(original)["resized_50"]  # a re-posted copy, not the bank's bytes
    bank_hash = pdq_hash(to_jpeg(original), fast=False).hex
    assert 0 < pdq_distance(bank_hash, pdq_hash(received).hex) <= 31
    banks.create_bank(state.db, None, BankCreate(name="known"), ACTOR)

    reporter = login(state)
    report_id = submit(state, reporter, {"copy.jpg": received}, ip="81.2.69.160")
    processed(state, report_id)
    before = snapshot(state, report_id)
    assert before["matches"] == [] and before["known"] is False
    assert new_material(before["reasons"]) and before["versions"]

    import_list(state, tmp_path, bank_hash, "daily")  # no call into retroactive matching
    after = wait(lambda: (s := snapshot(state, report_id))["matches"] and s, MINUTE,
                 "the stored file matched the imported hash")
    assert after["matches"][0][1] is False and after["matches"][0][0] <= 31

    def followed() -> dict[str, Any] | None:
        now = snapshot(state, report_id)
        changed = (now["known"] and not new_material(now["reasons"])
                   and (now["level"], now["score"]) != (before["level"], before["score"])
                   and set(now["versions"]) - set(before["versions"]))
        return now if changed else None

    later = wait(followed, PATIENCE, "cluster known, case re-triaged and re-delivered")
    assert "superseded" in later["statuses"] or len(later["versions"]) > len(before["versions"])

    # Disabling the entry reverses it: no match, new material again, re-triaged.
    banks.set_entry_enabled(state.db, None, "known", "pdq", bank_hash, False, ACTOR)

    def reversed_() -> dict[str, Any] | None:
        now = snapshot(state, report_id)
        undone = (not now["matches"] and now["known"] is False
                  and new_material(now["reasons"]))
        return now if undone else None

    wait(reversed_, PATIENCE, "the match withdrawn after the entry was disabled")
