"""The pipeline on one screen: every stage a finished report passes through, in order.

Each stage receives only the interfaces it needs. A stage is idempotent and its effects commit
together with the report's advance to the next stage (see `runner.py`), so after a crash the
report resumes at the stage it had not finished, and no stage's effects are committed twice.
Later stages (clustering, classification, triage, routing, delivery) are appended here.
"""

from __future__ import annotations

from functools import partial

from tipline.db import Database
from tipline.evidence.store import EvidenceStore
from tipline.matching import stages as matching
from tipline.matching.service import PdqLookup
from tipline.pipeline.stage import Stage
from tipline.reports import stages as reports


def build_stages(db: Database, evidence: EvidenceStore, index: PdqLookup | None) -> list[Stage]:
    return [
        Stage(
            name="intake",
            description="Write the report's accounts, emails, phones, devices, URLs and IP "
                        "capture events as rows that case linking and routing query.",
            apply=reports.record_facts,
        ),
        Stage(
            name="hashing",
            description="Decrypt every evidence file once, check it against its SHA-256 "
                        "address, and record MD5, SHA-1, SHA-256, PDQ with its rotations and "
                        "mirrors (and without borders) for images, vPDQ for videos, and the "
                        "reporter's own hashes.",
            prepare=partial(reports.hash_files, db, evidence),
            apply=reports.record_hashes,
        ),
        Stage(
            name="matching",
            description="Look every hash up in the enabled banks (exact for cryptographic "
                        "and vendor hashes, within each bank's distance for PDQ) and store the "
                        "matches, marking those a negative bank suppresses.",
            prepare=partial(matching.find_matches, db, index),
            apply=matching.record_matches,
        ),
    ]
