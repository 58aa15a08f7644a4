"""`/ispws` as seen by an NCMEC client tipline's authors did not write: the PyPI package
`ncmec-cybertip` (async, Python >= 3.13), run from a venv of its own against the live server.

The venv is built once under `.venv-client/` in the repository (ignored by git) and reused while
its pinned version matches. A missing Python 3.13 fails the test: the compatibility it checks is
the point of the CyberTipline API, so it must not silently stop being checked.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tipline.pipeline.models import PipelineJob
from tipline.reports.models import FileSignal, RawDocument, Report, ReportFile

from factories import png_bytes
from intake_support import Intake, start_intake

CLIENT = "ncmec-cybertip==0.1.1"
PYTHON_313 = os.environ.get("TIPLINE_TEST_PYTHON313", "/root/.pyenv/versions/3.13.0/bin/python3")
REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-client"
SCRIPT = Path(__file__).with_name("client_script.py")


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


@pytest.fixture(scope="session")
def client_python() -> Path:
    """The Python of a venv with the pinned client installed, created on first use. Suites
    running at once take turns (a lock file), so one builds it and the others reuse it."""
    with (REPO / ".venv-client.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return _client_venv()


def _client_venv() -> Path:
    python = VENV / "bin" / "python"
    marker = VENV / "tipline-client.txt"
    if python.exists() and marker.exists() and marker.read_text() == CLIENT:
        return python
    interpreter = shutil.which(PYTHON_313) or shutil.which("python3.13")
    if interpreter is None:
        pytest.fail(f"Python 3.13 is needed to run {CLIENT} (it requires Python >= 3.13) and "
                    f"was not found at {PYTHON_313} or on PATH; install it or set "
                    "TIPLINE_TEST_PYTHON313 to its path")
    # Never reuse a half-built venv (an interrupted run leaves no marker).
    shutil.rmtree(VENV, ignore_errors=True)
    steps = [[interpreter, "-m", "venv", str(VENV)],
             [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", CLIENT]]
    for step in steps:
        done = _run(step, timeout=600)
        if done.returncode != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            pytest.fail(f"could not build the client venv: {' '.join(step)}\n"
                        f"{done.stdout}\n{done.stderr}")
    marker.write_text(CLIENT)
    return python


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def intake(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    yield from start_intake(request, tmp_path_factory)


def test_ncmec_cybertip_client_files_a_whole_report(intake: Intake, client_python: Path,
                                                    tmp_path: Path) -> None:
    images = [png_bytes(seed=51), png_bytes(seed=52)]
    paths = []
    for index, image in enumerate(images):
        paths.append(tmp_path / f"benign-{index}.png")
        paths[-1].write_bytes(image)
    username, password = intake.a
    done = _run([str(client_python), "-I", str(SCRIPT), intake.ispws, username, password,
                 *map(str, paths)], timeout=120)
    assert done.returncode == 0, f"the client failed:\n{done.stdout}\n{done.stderr}"
    out = json.loads(done.stdout)

    assert out["status"][0] == 0
    assert out["xsd_bytes"] == len(intake.state.schema.xsd_bytes.decode())
    report_id = out["report_id"]
    file_ids = [u["file_id"] for u in out["uploads"]]
    assert [u["hash"] for u in out["uploads"]] == [hashlib.md5(i).hexdigest() for i in images]
    assert [u["fileinfo"] for u in out["uploads"]] == [0, 0]
    assert out["finished"] == {"code": 0, "report_id": report_id, "file_ids": file_ids}
    assert out["finish_again"] == 5102
    assert out["retracted"][1] == 0
    assert out["upload_after_retract"] == 5101
    assert out["wrong_password"] == 2000

    intake.server.wait_processed(report_id)
    with intake.state.db.sessions() as session:
        report = session.get(Report, report_id)
        assert report is not None
        assert (report.status, report.source, report.platform) == (
            "finished", "ncmec_xml", "ExampleChat")
        # The client sends flags as empty elements (<sextortion/>), which the schema fixes
        # to true.
        assert report.annotations == ["sextortion"]
        assert report.incident_at is not None and report.incident_at.isoformat().startswith(
            "2026-11-20T10:00")
        files = session.scalars(select(ReportFile).where(ReportFile.report_id == report_id)
                                .order_by(ReportFile.uploaded_at, ReportFile.id)).all()
        assert sorted(f.id for f in files) == sorted(file_ids)
        for stored in files:
            assert stored.details is not None and stored.described_at is not None
            assert stored.upload_name in {p.name for p in paths}
            assert stored.file_name == stored.upload_name  # from originalFileName
            assert stored.viewed_by_reporter is True and stored.publicly_available is False
            assert stored.industry_classification == "B2"
            assert stored.annotations == ["generativeAi"]
        kinds = session.scalars(select(RawDocument.kind).where(
            RawDocument.report_id == report_id).order_by(RawDocument.id)).all()
        assert kinds == ["report", "fileDetails", "fileDetails"]
        job = session.get(PipelineJob, report_id)
        assert job is not None and job.status == "done", job and job.last_error
        claimed = session.scalars(select(FileSignal).where(
            FileSignal.file_id.in_(file_ids), FileSignal.source == "reporter")).all()
        assert {(s.signal_type, s.detail.get("matches_upload")) for s in claimed} == {
            ("md5", True), ("sha1", True), ("sha256", True)}
        assert len(claimed) == 6
        retracted = session.get(Report, out["retracted"][0])
        assert retracted is not None and retracted.status == "retracted"
