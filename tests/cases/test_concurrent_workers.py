"""Several `tipline worker` processes on one PostgreSQL decide clusters and cases one after
another (advisory locks), so they produce the partition one process produces."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from linking_support import case_of, cluster_by_name, login, partition, submit
from tipline.pipeline.models import PipelineJob
from tipline.state import build_state
from tipline.synthetic.images import generate, to_jpeg, variants

from support import HeldWorkers, _truncate, make_settings, wait_for_count

OFFENDERS, WORKERS = 4, 3


def test_workers_in_parallel_build_the_same_clusters_and_cases(postgres_url: str,
                                                               tmp_path: Path) -> None:
    _truncate(postgres_url)
    state = build_state(make_settings(postgres_url, tmp_path / "var"))
    try:
        reporter = login(state)
        expected_files, expected_reports = set(), set()
        for k in range(OFFENDERS):
            image = generate(100 + k, size=(192, 144))
            made = variants(image)
            copies = [to_jpeg(image), made["mirror"], made["resized_50"]]
            names = [f"o{k}-{j}" for j in range(3)]
            # distinct accounts: only the offender's own new material links the reports
            ids = [submit(state, reporter, {names[j]: copies[j]}, account=f"acct-{k}-{j}")
                   for j in range(3)]
            expected_files.add(frozenset(names))
            expected_reports.add(frozenset(ids))
        with HeldWorkers(state, tmp_path, WORKERS):
            def done() -> int:
                with state.db.sessions() as session:
                    return int(session.scalar(select(func.count()).select_from(PipelineJob)
                                              .where(PipelineJob.status == "done")) or 0)
            wait_for_count(done, OFFENDERS * 3, "the workers to process every report")
        assert partition(cluster_by_name(state)) == expected_files
        assert partition(case_of(state)) == expected_reports
    finally:
        state.db.dispose()
