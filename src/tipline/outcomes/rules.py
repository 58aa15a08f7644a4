"""The outcome vocabulary (`tipline.outcomes/1`) and its pure rules. No I/O.

There is no public standard for police outcomes, so the vocabulary is ours, typed and
versioned: a receiver or a reporter can rely on a code's meaning for a given version. A code
is never renamed or removed within a version; a new version may add codes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tipline.errors import Invalid

VOCABULARY = "tipline.outcomes"
VERSION = 1
NOT_ACTIONABLE = "not_actionable"


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    actionable: bool | None  # True: the report led to action; False: it could not; None: open
    coarse: str  # what a reporter is told: received, not actionable, actioned, closed


CODES: dict[str, Code] = {c.code: c for c in (
    Code("received", "received by the agency", None, "received"),
    Code(NOT_ACTIONABLE, "not actionable", False, "not actionable"),
    Code("under_investigation", "under investigation", True, "actioned"),
    Code("suspect_identified", "suspect identified", True, "actioned"),
    Code("victim_safeguarded", "victim identified or safeguarded", True, "actioned"),
    Code("arrest", "arrest", True, "actioned"),
    Code("charged", "charged", True, "actioned"),
    Code("convicted", "convicted", True, "actioned"),
    Code("closed_without_action", "closed without action", False, "closed"),
)}

# Why a report was not actionable (required with `not_actionable`, refused with any other).
REASONS: dict[str, str] = {
    "insufficient_information": "insufficient information",
    "not_illegal": "not illegal in the jurisdiction",
    "data_expired": "data already expired",
    "duplicate": "duplicate of a report already handled",
    "outside_jurisdiction": "outside the agency's jurisdiction",
}
# Reasons that say the material itself is not what the hash lists said it was.
DISPUTING_REASONS = frozenset({"not_illegal"})
COARSE = ("received", "actioned", "not actionable", "closed")
MAX_NOTE = 2000


class OutcomeInvalid(Invalid):
    """An outcome that the vocabulary refuses; the message says why."""


@dataclass(frozen=True)
class Checked:
    code: str
    reason: str | None
    note: str
    held_until: dt.datetime | None


def check(code: str, reason: str | None, note: str | None, held_until: dt.datetime | None,
          now: dt.datetime) -> Checked:
    """Validate one outcome against version 1 of the vocabulary."""
    code = (code or "").strip()
    if code not in CODES:
        raise OutcomeInvalid(f"unknown outcome {code!r}; known: {', '.join(CODES)}")
    reason = (reason or "").strip() or None
    if code == NOT_ACTIONABLE and reason not in REASONS:
        raise OutcomeInvalid(f"outcome not_actionable needs a reason, one of "
                             f"{', '.join(REASONS)} (got {reason!r})")
    if code != NOT_ACTIONABLE and reason is not None:
        raise OutcomeInvalid(f"a reason goes only with not_actionable, not with {code}")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise OutcomeInvalid(f"the note is longer than {MAX_NOTE} characters")
    if held_until is not None:
        held_until = aware(held_until)
        if held_until <= now:
            raise OutcomeInvalid("confidential until a date in the past: leave it empty to "
                                 "share the outcome now")
    return Checked(code, reason, note, held_until)


def aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def is_held(held_until: dt.datetime | None, now: dt.datetime) -> bool:
    return held_until is not None and aware(held_until) > now


def actionable(code: str) -> bool | None:
    found = CODES.get(code)
    return found.actionable if found else None


def coarse(code: str) -> str:
    found = CODES.get(code)
    return found.coarse if found else "received"


def coarse_status(codes: list[str]) -> str:
    """A report's coarse status from its shared outcomes: the most telling one (actioned over
    not actionable over closed over received); no outcome yet is `pending`."""
    if not codes:
        return "pending"
    found = {coarse(c) for c in codes}
    for status in ("actioned", "not actionable", "closed", "received"):
        if status in found:
            return status
    return "received"


def vocabulary() -> dict[str, object]:
    """The vocabulary as data, for the API and the docs."""
    return {"vocabulary": VOCABULARY, "version": VERSION,
            "outcomes": [{"code": c.code, "label": c.label, "actionable": c.actionable,
                          "coarse": c.coarse} for c in CODES.values()],
            "reasons": [{"code": k, "label": v} for k, v in REASONS.items()]}
