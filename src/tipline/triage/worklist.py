"""The worklist's filters and its keyset cursor: pure values, no I/O.

The worklist is ordered by (level, deadline, score descending, case id), with cases not yet
triaged (level `NO_LEVEL`) and cases without a deadline (`NO_DEADLINE`) last
(`cases.models.WORKLIST_ORDER`, served by one index). A page ends with a cursor holding the
last row's sort key; the next page starts after it (keyset pagination: no OFFSET, no count of
everything)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from tipline.cases.models import NO_DEADLINE, NO_LEVEL
from tipline.cases.rules import STATUSES as WORK_STATUSES
from tipline.errors import Invalid

LEVELS = ("P1", "P2", "P3", "P4")
STATUSES = ("open", "closed", "merged")
COUNT_CAP = 1_000  # counts per level stop here ("1000+"): a page's cost never grows with it


@dataclass(frozen=True)
class WorklistFilter:
    level: str | None = None
    status: str = "open"
    country: str | None = None  # a country named in one of the case's active routes
    agency: str | None = None  # an agency code the case is routed to (active route)
    new_material: bool = False  # only cases with media no bank knows
    within_hours: float | None = None  # only cases whose deadline is at most this far off
    work_status: str | None = None  # casework status: new, in_review, referred, ...
    owner: str | None = None  # who holds it: "me", "nobody", or a username

    def __post_init__(self) -> None:
        if self.level is not None and self.level not in LEVELS:
            raise Invalid(f"level {self.level!r} is not one of {', '.join(LEVELS)}")
        if self.status not in STATUSES:
            raise Invalid(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.country is not None and not re.fullmatch(r"[A-Z]{2}", self.country):
            raise Invalid(f"country {self.country!r} must be an ISO 3166 alpha-2 code")
        if self.within_hours is not None and self.within_hours <= 0:
            raise Invalid("the deadline window must be a positive number of hours")
        if self.work_status is not None and self.work_status not in WORK_STATUSES:
            raise Invalid(f"casework status {self.work_status!r} is not one of "
                          f"{', '.join(WORK_STATUSES)}")
        if self.owner is not None and not re.fullmatch(r"[A-Za-z0-9_.@-]{1,100}", self.owner):
            raise Invalid("owner must be me, nobody or a username")


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last row of a page."""

    level: str
    deadline: dt.datetime
    neg_score: int
    case_id: int

    def encode(self) -> str:
        text = f"{self.level}|{self.deadline.isoformat()}|{self.neg_score}|{self.case_id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            level, deadline, neg_score, case_id = raw.split("|")
            moment = dt.datetime.fromisoformat(deadline)
            return cls(level, moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC),
                       int(neg_score), int(case_id))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise Invalid("the page link is damaged: start again from the first page") from exc


def sort_key(level: str | None, deadline: dt.datetime | None, score: int | None,
             case_id: int) -> Cursor:
    return Cursor(level or NO_LEVEL, deadline or NO_DEADLINE, -(score or 0), case_id)
