"""The pipeline on one screen: every stage a finished report passes through, in order.

Each stage receives only the interfaces it needs. A stage is idempotent and its effects commit
together with the report's advance to the next stage (see `runner.py`), so after a crash the
report resumes at the stage it had not finished, and no stage's effects are committed twice.
Later stages (matching, clustering, classification, triage, routing, delivery) are appended here.
"""

from __future__ import annotations

from functools import partial

from tipline.db import Database
from tipline.evidence.store import EvidenceStore
from tipline.pipeline.stage import Stage
from tipline.reports import stages as reports


def build_stages(db: Database, evidence: EvidenceStore) -> list[Stage]:
    return [
        Stage(
            name="intake",
            description="Write the report's accounts, emails, phones, devices, URLs and IP "
                        "capture events as rows that case linking and routing query.",
            apply=reports.record_facts,
        ),
        Stage(
            name="crypto_hashes",
            description="Decrypt every evidence file, check it against its SHA-256 address, "
                        "and record MD5, SHA-1, SHA-256 and the reporter's own hashes as "
                        "signals.",
            prepare=partial(reports.verify_files, db, evidence),
            apply=reports.record_signals,
        ),
    ]
