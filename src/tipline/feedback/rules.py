"""When a match becomes a confirmation or a dispute of the bank entry it matched. No I/O.

- An analyst's review of the matched file (or of its cluster) confirms the entry when it
  finds a child in sexual activity or lascivious exhibition, and disputes it when it finds an
  adult or no sexual activity.
- An agency's shared outcome of the report confirms the entry when the report was
  actionable, and disputes it when the agency found the material not illegal
  (`not_actionable` with reason `not_illegal`). Other outcomes say nothing about the entry.

An entry's opinion, in the vocabulary of ThreatExchange: only confirmations: positive; only
disputes: negative; both: disputed (members disagree; someone has to settle it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tipline.outcomes import rules as outcomes

CONFIRM, DISPUTE = "confirm", "dispute"
CHILD_BANDS = frozenset({"infant", "prepubescent", "pubescent"})
SEXUAL = frozenset({"sexual_act", "lascivious"})
POSITIVE, NEGATIVE, DISPUTED = "positive", "negative", "disputed"


def from_review(age_band: str, activity: str) -> str | None:
    if age_band == "adult" or activity == "other":
        return DISPUTE
    if age_band in CHILD_BANDS and activity in SEXUAL:
        return CONFIRM
    return None


def from_outcome(code: str, reason: str | None) -> str | None:
    if code == outcomes.NOT_ACTIONABLE and reason in outcomes.DISPUTING_REASONS:
        return DISPUTE
    if outcomes.actionable(code) is True:
        return CONFIRM
    return None


@dataclass
class EntryFeedback:
    entry_id: int
    confirmations: int = 0
    disputes: int = 0
    why: set[str] = field(default_factory=set)  # e.g. "review: adult", "outcome: arrest"

    def add(self, opinion: str | None, why: str) -> None:
        if opinion == CONFIRM:
            self.confirmations += 1
        elif opinion == DISPUTE:
            self.disputes += 1
        else:
            return
        self.why.add(why)

    @property
    def opinion(self) -> str | None:
        if self.confirmations and self.disputes:
            return DISPUTED
        if self.confirmations:
            return POSITIVE
        return NEGATIVE if self.disputes else None
