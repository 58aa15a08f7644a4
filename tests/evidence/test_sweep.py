"""The sweep of evidence files no report points to: what it removes, what it must keep (files
in use, uploads in progress, content stored again while it runs), and its command."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from linking_support import login
from tipline.audit.models import AuditEvent
from tipline.audit.service import Actor
from tipline.cli import app
from tipline.evidence.service import StoredEvidence, store_upload
from tipline.evidence.store import LocalEvidenceStore, SweepRunning
from tipline.evidence.usecases import sweep
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import errors, usecases
from tipline.reports.service import Document
from tipline.reports.store import referenced_evidence
from tipline.state import AppState

from factories import png_bytes, report_xml

ACTOR = Actor("test")
DAY = 24 * 3600


def path_of(store: LocalEvidenceStore, address: str) -> Path:
    return store.root / address[:2] / address[2:4] / address


def age(store: LocalEvidenceStore, address: str, seconds: float = 2 * DAY) -> None:
    """Make a file look last written `seconds` ago."""
    then = time.time() - seconds
    os.utime(path_of(store, address), (then, then))


def seal(store: LocalEvidenceStore, content: bytes) -> StoredEvidence:
    return store_upload(store, io.BytesIO(content), limit=1 << 20)


def open_report(state: AppState, reporter: AuthenticatedReporter) -> int:
    xml = report_xml()
    doc = Document(state.schema.to_json(state.schema.parse(xml, "report")), xml, "text/xml")
    return usecases.submit(state, reporter, doc, "ncmec_xml", None, ACTOR).report_id


def run_sweep(state: AppState, dry_run: bool = False) -> list[str]:
    assert isinstance(state.evidence, LocalEvidenceStore)
    return sweep(state.db, state.evidence, referenced_evidence, DAY, ACTOR, dry_run).removed


def deletions(state: AppState) -> list[str]:
    with state.db.sessions() as session:
        return list(session.scalars(select(AuditEvent.object_id).where(
            AuditEvent.action == "evidence.delete")))


def test_sweep_removes_only_old_files_no_report_points_to(state: AppState) -> None:
    store = state.evidence
    assert isinstance(store, LocalEvidenceStore)
    reporter = login(state)
    report_id = open_report(state, reporter)
    in_use = usecases.upload(state, reporter, report_id, io.BytesIO(png_bytes(1)), "a.png",
                             "image/png", ACTOR).evidence.sha256
    orphan = seal(store, png_bytes(2)).sha256
    in_progress = seal(store, png_bytes(3)).sha256  # sealed a moment ago, not yet committed
    age(store, in_use)
    age(store, orphan)

    assert run_sweep(state, dry_run=True) == [orphan]
    assert path_of(store, orphan).exists() and deletions(state) == []

    assert run_sweep(state) == [orphan]
    assert not path_of(store, orphan).exists()
    assert b"".join(store.open(in_use)) == png_bytes(1)
    assert b"".join(store.open(in_progress)) == png_bytes(3)
    assert deletions(state) == [orphan]
    assert run_sweep(state) == []


def test_the_upload_a_finish_overtook_is_refused_and_swept(state: AppState,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """The race that leaves a file behind: the upload passes the open-report check and is
    sealed, then the report is finished before the upload's transaction."""
    store = state.evidence
    assert isinstance(store, LocalEvidenceStore)
    reporter = login(state)
    report_id = open_report(state, reporter)
    put = store.put

    def put_then_finish(address: str, plaintext: BinaryIO) -> bool:
        created = put(address, plaintext)
        usecases.finish(state, reporter, report_id, ACTOR)
        return created

    monkeypatch.setattr(store, "put", put_then_finish)
    with pytest.raises(errors.AlreadyFinished):
        usecases.upload(state, reporter, report_id, io.BytesIO(png_bytes(4)), "late.png",
                        "image/png", ACTOR)
    monkeypatch.undo()
    [left_behind] = list(store.written_before(time.time() + 1))
    age(store, left_behind)
    assert run_sweep(state) == [left_behind]
    assert list(store.written_before(time.time() + 1)) == []


def test_content_stored_again_during_a_sweep_is_kept(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path / "evidence", os.urandom(32))
    address = seal(store, b"benign bytes").sha256
    age(store, address)
    cutoff = time.time() - DAY
    assert list(store.written_before(cutoff)) == [address]
    # An upload of the same content arrives after the sweep listed the file: storing it
    # touches the file, and the sweep then keeps it.
    assert seal(store, b"benign bytes").newly_stored is False
    assert store.remove_if_untouched(address, cutoff) is False
    assert b"".join(store.open(address)) == b"benign bytes"
    assert list(store.spool_dir().iterdir()) == []
    age(store, address)
    assert store.remove_if_untouched(address, cutoff) is True
    assert not store.exists(address)


def test_recover_puts_back_parked_files_and_drops_stale_partial_writes(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path / "evidence", os.urandom(32))
    address = seal(store, b"parked by a sweep that crashed").sha256
    path_of(store, address).rename(store.spool_dir() / f"sweep-{address}")
    stale, fresh = store.spool_dir() / "seal-old", store.spool_dir() / "seal-new"
    stale.write_bytes(b"partial")
    fresh.write_bytes(b"partial")
    then = time.time() - 2 * DAY
    os.utime(stale, (then, then))
    assert store.recover(time.time() - DAY) == 2
    assert b"".join(store.open(address)) == b"parked by a sweep that crashed"
    assert sorted(p.name for p in store.spool_dir().iterdir()) == ["seal-new"]


@pytest.mark.usefixtures("cli_env")
def test_sweep_command(state: AppState) -> None:
    store = state.evidence
    assert isinstance(store, LocalEvidenceStore)
    orphan = seal(store, png_bytes(5)).sha256
    age(store, orphan)
    dry = CliRunner().invoke(app, ["evidence", "sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert orphan in dry.output and "would remove 1" in dry.output
    assert store.exists(orphan)
    done = CliRunner().invoke(app, ["evidence", "sweep", "--older-than-hours", "24"])
    assert done.exit_code == 0, done.output
    assert "removed 1" in done.output and not store.exists(orphan)
    refused = CliRunner().invoke(app, ["evidence", "sweep", "--older-than-hours", "0"])
    assert refused.exit_code != 0
    with store.sweeping():
        busy = CliRunner().invoke(app, ["evidence", "sweep"])
    assert busy.exit_code == 1 and "another evidence sweep is running" in busy.output


def test_one_sweep_at_a_time(tmp_path: Path) -> None:
    """A sweep's recovery would put back a file another sweep has just parked."""
    store = LocalEvidenceStore(tmp_path / "evidence", os.urandom(32))
    with store.sweeping(), pytest.raises(SweepRunning), store.sweeping():
        pass
    with store.sweeping():
        pass  # released when the first one ended
