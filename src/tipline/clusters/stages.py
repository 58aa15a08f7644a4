"""The clustering stage: every file of a report joins a media cluster."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tipline.clusters.index import MemberIndex
from tipline.clusters.service import FileInput, cluster_files, file_inputs
from tipline.db import Database


def read_files(db: Database, report_id: int) -> list[FileInput]:
    """clustering (prepare): the report's files and their usable hashes; reads only."""
    with db.sessions() as session:
        return file_inputs(session, report_id)


def place_files(index: MemberIndex, session: Session, report_id: int,
                files: list[FileInput]) -> None:
    """clustering (apply): decide under the clustering lock, so that concurrent workers
    decide one after another and each sees every earlier decision."""
    cluster_files(session, index, report_id, files)
