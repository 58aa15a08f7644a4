"""Hash-list feedback: each matched bank entry's confirmations and disputes, from analysts'
reviews and agencies' shared outcomes (`rules`). Never writes: the feedback is derived from
what is recorded, so it is always current and never out of step with its sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.feedback import rules, store
from tipline.feedback.rules import EntryFeedback


def entry_feedback(session: Session, now: dt.datetime, entry_ids: Iterable[int] | None = None
                   ) -> dict[int, EntryFeedback]:
    ids = list(entry_ids) if entry_ids is not None else None
    found: dict[int, EntryFeedback] = {}

    def of(entry_id: int) -> EntryFeedback:
        return found.setdefault(entry_id, EntryFeedback(entry_id))

    for entry_id, age_band, activity in store.reviews(session, ids):
        of(entry_id).add(rules.from_review(age_band, activity),
                         f"review: {age_band}, {activity}")
    for entry_id, _outcome_id, code, reason in store.outcomes(session, now, ids):
        of(entry_id).add(rules.from_outcome(code, reason),
                         f"outcome: {code}" + (f" ({reason})" if reason else ""))
    return {k: v for k, v in found.items() if v.opinion is not None}


def for_contributor(session: Session, now: dt.datetime, contributor: str | None
                    ) -> list[tuple[store.Contributed, EntryFeedback]]:
    """The feedback on the entries a contributor gave (every contributor's: None)."""
    given = store.contributed(session, contributor)
    feedback = entry_feedback(session, now, {g.entry_id for g in given})
    return [(g, feedback[g.entry_id]) for g in given if g.entry_id in feedback]


@dataclass(frozen=True)
class Disputed:
    entry_id: int
    bank: str
    signal_type: str
    value: str
    contributors: list[str]
    confirmations: int
    disputes: int
    opinion: str
    why: list[str]


def disputed(session: Session, now: dt.datetime) -> list[Disputed]:
    """Entries that a review or an outcome disputed (negative or disputed opinion), for the
    banks' consistency report."""
    feedback = {k: v for k, v in entry_feedback(session, now).items() if v.disputes}
    rows: dict[int, Disputed] = {}
    for g in store.contributed(session, None):
        fb = feedback.get(g.entry_id)
        if fb is None or fb.opinion is None:
            continue
        row = rows.get(g.entry_id)
        if row is None:
            rows[g.entry_id] = Disputed(g.entry_id, g.bank, g.signal_type, g.value,
                                        [g.contributor], fb.confirmations, fb.disputes,
                                        fb.opinion, sorted(fb.why))
        elif g.contributor not in row.contributors:
            row.contributors.append(g.contributor)
    return [rows[k] for k in sorted(rows)]
