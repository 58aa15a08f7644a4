"""Helpers for clustering and case-linking tests: reports with chosen accounts, IPs and files,
submitted through the intake use cases and run through the pipeline in the test process."""

from __future__ import annotations

import io
import json
import time
from typing import Any

from sqlalchemy import func, select

from tipline.audit.service import Actor
from tipline.banks import service as banks
from tipline.banks.media import records_from_media
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.cases.models import Case, CaseReport
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.pipeline.models import PipelineJob
from tipline.reporters.service import AuthenticatedReporter, authenticate
from tipline.reports import usecases
from tipline.reports.models import ReportFile
from tipline.reports.service import Document
from tipline.state import AppState

from factories import file_doc, report_doc
from support import PASSWORD, add_reporter

ACTOR = Actor("test")


def login(state: AppState, username: str = "platform-a",
          country: str | None = "US") -> AuthenticatedReporter:
    add_reporter(state, username, country=country)
    with state.db.sessions() as session:
        reporter = authenticate(session, username, PASSWORD, state.credentials)
    assert reporter is not None
    return reporter


def person(account: str | None = None, email: str | None = None, device: str | None = None,
           ip: str | None = None, at: str = "2026-11-20T10:00:00Z",
           proxy: bool | None = None) -> dict[str, Any]:
    """A reported person with only the keys given (the factory's default shares them all)."""
    found: dict[str, Any] = {}
    if account:
        found.update(espIdentifier=account, espService="ExampleChat")
    if email:
        found["personOrUserReportedPerson"] = {"email": [email]}
    if ip:
        event: dict[str, Any] = {"ipAddress": ip, "eventName": "Upload", "dateTime": at}
        if proxy is not None:
            event["possibleProxy"] = proxy
        found["ipCaptureEvent"] = [event]
    if device:
        found["deviceId"] = [{"idType": "IDFA", "idValue": device}]
    return found


def submit(state: AppState, reporter: AuthenticatedReporter, files: dict[str, bytes],
           **who: Any) -> int:
    """A finished report with these files and a reported person made by `person(**who)`."""
    doc = report_doc(personOrUserReported=[person(**who)], internetDetails=[])
    content = state.schema.to_json(state.schema.from_json(doc, "report"))
    report_id = usecases.submit(state, reporter, Document(content, json.dumps(doc).encode(),
                                                          "application/json"),
                                "json", None, ACTOR).report_id
    for name, data in files.items():
        uploaded = usecases.upload(state, reporter, report_id, io.BytesIO(data), name,
                                   "application/octet-stream", ACTOR)
        details = {"reportId": report_id, "fileId": uploaded.file_id, **file_doc(fileName=name)}
        element = state.schema.from_json(details, "fileDetails")
        usecases.describe(state, reporter, report_id, uploaded.file_id, Document(
            state.schema.to_json(element), json.dumps(details).encode(), "application/json"),
            ACTOR)
    usecases.finish(state, reporter, report_id, ACTOR)
    return report_id


def bank_image(state: AppState, name: str, kind: str, data: bytes) -> None:
    """A new bank holding an image's hashes (and its augmentation variants); the live index is
    opened on it."""
    records, extra = records_from_media(data, HashRecord(signal_type="", value=""))
    with state.db.transaction() as s:
        bank = banks.create_bank(s, BankCreate(name=name, kind=kind), Actor("test"))
        banks.add_records(s, bank, records, Actor("test"), variants=extra)
    state.index.open()


def run(state: AppState) -> None:
    state.runner.run_until_idle()


def processed(state: AppState, *report_ids: int, ceiling: float = 120) -> None:
    """Run the pipeline until the reports went through every stage. A live server's pipeline
    may hold a report's lease meanwhile, so wait on progress (up to a generous ceiling)."""
    end = time.monotonic() + ceiling
    while True:
        run(state)
        with state.db.sessions() as session:
            done = session.scalar(select(func.count()).select_from(PipelineJob).where(
                PipelineJob.report_id.in_(report_ids), PipelineJob.status == "done"))
        if done == len(report_ids):
            return
        assert time.monotonic() < end, f"reports {report_ids} were not processed"
        time.sleep(0.05)


def cluster_by_name(state: AppState) -> dict[str, int]:
    """Each file's current cluster, by the file's name."""
    with state.db.sessions() as s:
        rows = s.execute(select(ReportFile.file_name, ClusterMember.cluster_id)
                         .join(ClusterMember, ClusterMember.file_id == ReportFile.id))
        return {name: cid for name, cid in rows}


def live_clusters(state: AppState) -> list[MediaCluster]:
    with state.db.sessions() as s:
        return list(s.scalars(select(MediaCluster).where(MediaCluster.merged_into_id.is_(None))
                              .order_by(MediaCluster.id)))


def case_of(state: AppState) -> dict[int, int]:
    """Each report's current case."""
    with state.db.sessions() as s:
        return {r: c for r, c in s.execute(select(CaseReport.report_id, CaseReport.case_id))}


def partition(mapping: dict[Any, int]) -> set[frozenset[Any]]:
    """The groups of a key -> group-id mapping, independent of the ids chosen."""
    groups: dict[int, set[Any]] = {}
    for key, group in mapping.items():
        groups.setdefault(group, set()).add(key)
    return {frozenset(g) for g in groups.values()}


def open_cases(state: AppState) -> list[Case]:
    with state.db.sessions() as s:
        return list(s.scalars(select(Case).where(Case.status == "open").order_by(Case.id)))
