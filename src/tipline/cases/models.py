"""Tables of the cases domain: cases, their reports, history and priorities, and casework
(notes, and the linking decisions people made)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from tipline.db import Base, BigId, UTCConstant, UTCDateTime, utcnow

NO_LEVEL = "P9"  # sorts after every level (P1..P4): not yet triaged
NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)  # sorts after every deadline


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The case's life in the worklist: open | merged | closed (closed with `work_status`).
    status: Mapped[str] = mapped_column(String(20), default="open")
    # Casework status (`cases.rules.STATUSES`): new, in_review, referred, waiting_for_outcome,
    # closed; closing needs a `closing_reason` from `cases.rules.CLOSING_REASONS`.
    work_status: Mapped[str] = mapped_column(String(30), default="new", server_default="new")
    closing_reason: Mapped[str | None] = mapped_column(String(40))
    # Who holds the case. A case taken from the queue is held until `lease_until` (renewed
    # while its owner works it); one assigned by a supervisor has no lease and is held until
    # released.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority_level: Mapped[str | None] = mapped_column(String(10))  # P1 .. P4
    priority_score: Mapped[int | None] = mapped_column(Integer)
    priority_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    priority_label: Mapped[str | None] = mapped_column(String(200))  # justified by the reasons
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # nearest retention end


# The worklist's order: level, nearest deadline, higher score, id; cases not yet triaged and
# cases without a deadline last. The constants are written into the SQL text, so the index
# below (the same expressions after the status) serves the order, the keyset cursor and the
# level and deadline filters as one range scan on both databases.
WORKLIST_ORDER = (func.coalesce(Case.priority_level, literal_column(f"'{NO_LEVEL}'")),
                  func.coalesce(Case.deadline, UTCConstant(NO_DEADLINE)),
                  -func.coalesce(Case.priority_score, literal_column("0")),
                  Case.id)
# PostgreSQL also keeps the bare columns in the index (INCLUDE): without them it reads no
# expression index alone (index-only), and counting a level would visit the table.
Index("ix_cases_worklist_order", Case.status, *WORKLIST_ORDER,
      postgresql_include=["priority_level", "deadline", "priority_score"])


class CaseReport(Base):
    """A report's current case. Merges move rows; `CaseEvent` keeps the history."""

    __tablename__ = "case_reports"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    linked_by: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the shared keys
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseEvent(Base):
    """The history of a case: created, report added, merged, priority changed, and every act
    of casework (who: `actor`; what changed: `detail`, with `from` and `to`)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str | None] = mapped_column(String(100))  # e.g. user:3; none: the pipeline


class CaseNote(Base):
    """A note on a case: append-only (no route edits or deletes one)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(100))  # the username when written
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class CaseLinkDecision(Base):
    """What a person decided about linking, which the linking stage obeys.

    `apart`: the two cases (followed through later merges) are never merged by linking; a
    split or an unlink records it. `merged`: a person merged the two by hand. A later hand
    merge of cases kept apart revokes the `apart` decision (`revoked_at`, `revoked_by`)."""

    __tablename__ = "case_link_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # apart | merged
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    other_report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    keys: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the link's keys undone
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class CasePriority(Base):
    """Every priority a case has had, with its reasons and the policy that produced it."""

    __tablename__ = "case_priorities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    level: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    policy: Mapped[str] = mapped_column(String(100))  # policy name and version
    label: Mapped[str | None] = mapped_column(String(200))
