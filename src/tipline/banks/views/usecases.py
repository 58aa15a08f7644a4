"""Read-only bank use cases for the pages: the banks with their entry counts, a bank's
entries page by page, and the consistency report (`tipline banks report`). Hash banks are the
centre's (`access.check_banks`); changing them stays with the CLI and its import use cases."""

from __future__ import annotations

from dataclasses import dataclass

from tipline import access
from tipline.banks import service, store
from tipline.banks.models import Bank
from tipline.banks.schemas import BankOut, Disagreement, NegativeConflict
from tipline.banks.views import store as views
from tipline.db import Database, utcnow
from tipline.errors import NotFound
from tipline.feedback import service as feedback
from tipline.feedback.service import Disputed
from tipline.users.service import StaffUser

ENTRIES_PER_PAGE = 50


@dataclass(frozen=True)
class BankEntries:
    bank: BankOut
    entries: list[views.EntryRow]
    next_after: int | None  # where the next page starts, None on the last page


@dataclass(frozen=True)
class Consistency:
    disagreements: list[Disagreement]
    conflicts: list[NegativeConflict]
    disputed: list[Disputed]  # entries a review or an agency's outcome disputed (feedback)


def list_banks(db: Database, user: StaffUser) -> list[BankOut]:
    with db.sessions() as session:
        access.check_banks(access.staff_viewer(session, user))
        return service.bank_list(session)


def bank_entries(db: Database, user: StaffUser, bank_id: int, after: int = 0,
                 limit: int = ENTRIES_PER_PAGE) -> BankEntries:
    """One page of a bank's entries, oldest first, starting after entry id `after`."""
    with db.sessions() as session:
        access.check_banks(access.staff_viewer(session, user))
        bank = session.get(Bank, bank_id)
        if bank is None:
            raise NotFound(f"bank {bank_id} does not exist")
        row = service.bank_out(bank, store.entry_counts(session).get(bank.id, 0))
        entries = views.entries_after(session, bank, max(0, after), limit + 1)
        more = len(entries) > limit
        return BankEntries(row, entries[:limit], entries[limit - 1].id if more else None)


def consistency(db: Database, user: StaffUser) -> Consistency:
    """Hashes whose sources disagree, hashes in both a positive and a negative bank, and
    entries that reviews or outcomes disputed."""
    with db.sessions() as session:
        access.check_banks(access.staff_viewer(session, user))
        return Consistency(*service.consistency_report(session),
                           feedback.disputed(session, utcnow()))
