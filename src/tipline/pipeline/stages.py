"""The pipeline on one screen: every stage a finished report passes through, in order.

Each stage receives only the interfaces it needs. A stage is idempotent and its effects commit
together with the report's advance to the next stage (see `runner.py`), so after a crash the
report resumes at the stage it had not finished, and no stage's effects are committed twice.
Later stages (clustering, classification, triage, routing, delivery) are appended here.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from tipline.cases import stages as cases
from tipline.cases.service import LinkPolicy
from tipline.classification import stages as classification
from tipline.clusters import stages as clusters
from tipline.clusters.index import MemberIndex
from tipline.db import Database
from tipline.evidence.store import EvidenceStore
from tipline.matching import stages as matching
from tipline.matching.service import PdqLookup
from tipline.pipeline.stage import Stage
from tipline.reports import stages as reports
from tipline.routing import stages as routing
from tipline.routing.service import config_from
from tipline.settings import Settings
from tipline.triage import stages as triage


def link_policy(settings: Settings) -> LinkPolicy:
    return LinkPolicy(dt.timedelta(hours=settings.case_ip_window_hours),
                      settings.case_shared_ip_accounts)


def build_stages(db: Database, evidence: EvidenceStore, index: PdqLookup | None,
                 settings: Settings) -> list[Stage]:
    routing_config = config_from(settings)
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
        Stage(
            name="clustering",
            description="Put every file in a media cluster across all reports: the cluster "
                        "of an earlier file with the same SHA-256, within PDQ distance 31 "
                        "(any rotation or mirror) or with >= 80% of its vPDQ frames; a file "
                        "bridging clusters merges them. A cluster is known material when a "
                        "member matched a positive bank, else new material.",
            prepare=partial(clusters.read_files, db),
            apply=partial(clusters.place_files, MemberIndex()),
        ),
        Stage(
            name="linking",
            description="Put the report in a case with every earlier report sharing a "
                        "reported account, email, phone, device, a cluster of new material, "
                        "or an IP address within the time window (never a proxy or shared "
                        "address); merge the cases it bridges; recompute the case summary.",
            apply=partial(cases.link, link_policy(settings)),
        ),
        Stage(
            name="classification",
            description="Record, once per file, what its matched bank sources and its "
                        "reporter say it shows (age band, activity, real/drawn/generated); "
                        "verdicts per jurisdiction are derived when read, never stored.",
            apply=classification.record_facts,
        ),
        Stage(
            name="triage",
            description="Recompute the priority (level, score, reasons) and retention "
                        "deadline of the report's case from the triage policy, keeping the "
                        "previous priority.",
            apply=partial(triage.prioritise, settings.triage_policy_path),
        ),
        Stage(
            name="routing",
            description="Place the report's case in countries (IP capture events, stated "
                        "locations, victims, reported URLs' hosts, the reporter), route it to "
                        "the agencies serving them with the channel chain and the retention "
                        "deadline, escalate deadlines at risk, check deconfliction watches; "
                        "changed routes supersede old ones and go to delivery.",
            prepare=partial(routing.resolve, db, routing_config),
            apply=partial(routing.route, routing_config),
        ),
    ]
