"""API shapes of casework: what the actions take and answer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tipline.cases.rules import MAX_NOTE_CHARS, QUEUE_STATUSES

REASON = Field("", max_length=2000, description="Why, in words (kept in the history).")


class AssignIn(BaseModel):
    user_id: int = Field(description="The staff user who gets the case.")


class StatusIn(BaseModel):
    status: str = Field(description="new, in_review, referred, waiting_for_outcome or closed.")
    closing_reason: str | None = Field(
        None, description="Required to close: one of the closing reasons (docs/cases.md).")
    reason: str | None = Field(None, max_length=2000,
                               description="Why; required to reopen a closed case.")


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


class SplitIn(BaseModel):
    report_id: int = Field(description="The report that moves out into a new case.")
    reason: str = REASON


class UnlinkIn(BaseModel):
    report_id: int
    other_report_id: int = Field(description="The report it was (wrongly) linked with.")
    reason: str = REASON


class MergeIn(BaseModel):
    other_case_id: int = Field(description="The case merged into this one.")
    reason: str = REASON


class TakeNextIn(BaseModel):
    level: str | None = Field(None, pattern=r"^P[0-9]$", description="Only cases at this level.")
    statuses: list[str] = Field(default_factory=lambda: list(QUEUE_STATUSES),
                                description="Only cases in these statuses.")


class CaseWorkOut(BaseModel):
    case_id: int
    status: str
    closing_reason: str | None
    owner: str | None
    owner_id: int | None
    lease_until: str | None
    assigned: bool


class NoteOut(BaseModel):
    id: int
    case_id: int
    author: str
    at: str
    text: str


class RelinkOut(BaseModel):
    case_id: int
    new_case_ids: list[int] = []
    merged: list[int] = []


class TakeNextOut(BaseModel):
    case: CaseWorkOut | None = Field(description="The case taken; null when none is waiting.")
