"""Set-based merge of a staged import into the banks (see `staging`): a handful of statements
whatever the import's size, each written once for both databases.

One statement (`_key`) resolves every staged row at once into `bank_import_keyed`: duplicates
in the file dropped (the last row of a (hash, source) wins, as it did row by row), and each row
joined to its signal, this bank's entry and this source's provenance as stored. Every later
statement reads that table and writes only what differs: new signals, entries and provenance,
provenance whose fingerprint changed, and (replacing imports) what the file no longer lists.
No staged row is ever rewritten: rewriting a temporary table row by row (`UPDATE`) cost more
than everything else. Signals and entries are inserted in the file's order (exports list
entries in it), so entry indexes keyed on the signal grow at their right edge; provenance and
variants follow their parent's id for the same reason (inserting entries in random signal
order cost more than all the other statements at a million rows). The change log is written
last, so followers see the import in one sequence number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from tipline.banks import changes
from tipline.banks.staging import STAGE, dialect
from tipline.db import utcnow

KEYED = "bank_import_keyed"
REVIVED = "bank_import_revived"  # emptied entries (a past replacing import) listed again
REMOVED = "bank_import_removed"  # provenance a replacing import takes away
SOURCES = "bank_import_sources"
ORIGINAL = "original:original"
INDEXED_TYPES = "('pdq', 'vpdq')"
_SAME_KEY = ("t.signal_type = s.signal_type AND t.value = s.value AND "
             "t.contributor = s.contributor AND t.source_list = s.source_list")


@dataclass
class MergeCounts:
    records: int = 0  # distinct (hash, source) rows in the file
    new_signals: int = 0
    new_entries: int = 0
    new_provenance: int = 0
    reclassified: int = 0
    unchanged: int = 0
    removed: int = 0  # provenance rows of the file's sources that the file no longer lists
    disabled_entries: int = 0  # entries left without any source by those removals
    seq: int = 0


def _run(session: Session, sql: str, **params: object) -> int:
    result = session.execute(text(sql), params)
    return int(getattr(result, "rowcount", 0) or 0)


def _postgresql(session: Session) -> bool:
    return dialect(session) == "postgresql"


def _temporary(session: Session, name: str, select: str, large: bool,
               **params: object) -> None:
    """A temporary table of this merge (none is left from an earlier one: `_drop` takes them
    away, and a failed import's rollback takes its tables with it)."""
    _run(session, f"CREATE TEMPORARY TABLE {name} AS {select}", **params)
    if _postgresql(session) and large:
        _run(session, f"ANALYZE {name}")  # temporary tables get no statistics otherwise


# A merge of fewer staged rows runs no ANALYZE: the planner's guess from a table's few pages
# is right for it, and a single add's statements (each a round trip) are most of its time.
ANALYZE_FROM = 1_000


def _prepare(session: Session, large: bool) -> None:
    if not _postgresql(session):  # SQLite joins by index only
        _run(session, f"CREATE INDEX ix_{STAGE}_key ON {STAGE} "
                      "(signal_type, value, contributor, source_list)")
    elif large:
        # Hash joins over a million staged rows need more than the 4 MB default; without it
        # PostgreSQL falls back to plans that are quadratic in the import's size.
        _run(session, "SET LOCAL work_mem = '256MB'")
        _run(session, f"ANALYZE {STAGE}")


def _signals(session: Session) -> int:
    ignore = "OR IGNORE " if dialect(session) == "sqlite" else ""
    conflict = " ON CONFLICT DO NOTHING" if _postgresql(session) else ""
    return _run(session, f"INSERT {ignore}INTO bank_signals (signal_type, value) "
                         f"SELECT s.signal_type, s.value FROM {STAGE} s WHERE NOT EXISTS "
                         "(SELECT 1 FROM bank_signals b WHERE b.signal_type = s.signal_type "
                         "AND b.value = s.value) GROUP BY s.signal_type, s.value "
                         f"ORDER BY min(s.n){conflict}")


def _key(session: Session, bank_id: int, large: bool) -> int:
    """Every distinct staged row with what is stored for it, in one pass; returns how many.
    The table holds ids only (the staged text is joined back by `n` for the few rows that
    need it): at a million rows, writing it was most of a re-import's time."""
    _temporary(
        session, KEYED,
        "SELECT s.n, s.signal_type, b.id AS signal_id, e.id AS entry_id, "
        "e.enabled AS entry_enabled, p.id AS provenance_id, "
        "(p.fingerprint IS NULL OR p.fingerprint <> s.fingerprint) AS changed "
        f"FROM {STAGE} s JOIN bank_signals b "
        "ON b.signal_type = s.signal_type AND b.value = s.value "
        "LEFT JOIN bank_entries e ON e.bank_id = :bank AND e.signal_id = b.id "
        "LEFT JOIN bank_provenance p ON p.entry_id = e.id AND p.contributor = s.contributor "
        "AND p.source_list = s.source_list "
        f"WHERE NOT EXISTS (SELECT 1 FROM {STAGE} t WHERE {_SAME_KEY} AND t.n > s.n)",
        large, bank=bank_id)
    if not _postgresql(session):
        _run(session, f"CREATE INDEX ix_{KEYED}_provenance ON {KEYED} (provenance_id)")
    return int(session.scalar(text(f"SELECT count(*) FROM {KEYED}")) or 0)


def _entries(session: Session, bank_id: int, large: bool) -> int:
    """New entries; entries a replacing import had emptied and this one lists again are
    enabled again (an entry disabled by hand keeps its sources, and stays disabled)."""
    _temporary(session, REVIVED, f"SELECT DISTINCT k.entry_id, k.signal_id, k.signal_type "
                                 f"FROM {KEYED} k WHERE k.entry_enabled = FALSE AND NOT EXISTS "
                                 "(SELECT 1 FROM bank_provenance p "
                                 "WHERE p.entry_id = k.entry_id)", large)
    _run(session, "UPDATE bank_entries SET enabled = TRUE WHERE id IN "
                  f"(SELECT entry_id FROM {REVIVED})")
    return _run(session, "INSERT INTO bank_entries (bank_id, signal_id, enabled, added_at) "
                         f"SELECT :bank, signal_id, TRUE, :now FROM {KEYED} "
                         "WHERE entry_id IS NULL GROUP BY signal_id ORDER BY min(n)",
                bank=bank_id, now=_now(session))


def _collect_removed(session: Session, bank_id: int, large: bool) -> None:
    """A replacing import: the provenance of the file's sources, in this bank, that the file
    no longer lists (read before this import adds any)."""
    _temporary(session, SOURCES, f"SELECT DISTINCT contributor, source_list FROM {STAGE}",
               large)
    # NOT IN over the keyed ids: PostgreSQL hashes them once (a NOT EXISTS was planned as a
    # rescan of the keyed table per provenance row when the sources were misestimated).
    _temporary(session, REMOVED,
               "SELECT p.id AS provenance_id, p.entry_id FROM bank_provenance p "
               "JOIN bank_entries e ON e.id = p.entry_id WHERE e.bank_id = :bank AND "
               "(p.contributor, p.source_list) IN "
               f"(SELECT contributor, source_list FROM {SOURCES}) "
               f"AND p.id NOT IN (SELECT provenance_id FROM {KEYED} "
               "WHERE provenance_id IS NOT NULL)", large, bank=bank_id)


def _provenance(session: Session, bank_id: int) -> tuple[int, int]:
    """(re-classified, new) provenance rows: a row whose fingerprint differs is rewritten."""
    cast = "CAST({} AS JSON)" if _postgresql(session) else "{}"
    now = _now(session)
    changed = _run(
        session, "UPDATE bank_provenance SET contributed_at = s.contributed_at, "
                 f"classifications = {cast.format('s.classifications')}, "
                 f"jurisdictions = {cast.format('s.jurisdictions')}, note = s.note, "
                 "item = s.item, content_type = s.content_type, fingerprint = s.fingerprint, "
                 f"imported_at = :now FROM {KEYED} k JOIN {STAGE} s ON s.n = k.n "
                 "WHERE bank_provenance.id = k.provenance_id AND k.changed",
        now=now)
    new = _run(
        session, "INSERT INTO bank_provenance (entry_id, contributor, source_list, "
                 "contributed_at, imported_at, classifications, jurisdictions, note, item, "
                 "content_type, fingerprint) "
                 "SELECT e.id, s.contributor, s.source_list, s.contributed_at, :now, "
                 f"{cast.format('s.classifications')}, {cast.format('s.jurisdictions')}, "
                 f"s.note, s.item, s.content_type, s.fingerprint FROM {KEYED} k "
                 f"JOIN {STAGE} s ON s.n = k.n "
                 "JOIN bank_entries e ON e.bank_id = :bank AND e.signal_id = k.signal_id "
                 "WHERE k.provenance_id IS NULL ORDER BY e.id, k.n", now=now, bank=bank_id)
    return changed, new


def _remove(session: Session) -> tuple[int, int]:
    """Delete the collected provenance; entries left with no source are disabled (kept:
    matches refer to them)."""
    removed = _run(session, "DELETE FROM bank_provenance WHERE id IN "
                            f"(SELECT provenance_id FROM {REMOVED})")
    disabled = _run(session, "UPDATE bank_entries SET enabled = FALSE WHERE enabled = TRUE "
                             f"AND id IN (SELECT entry_id FROM {REMOVED}) AND NOT EXISTS "
                             "(SELECT 1 FROM bank_provenance p WHERE p.entry_id = "
                             "bank_entries.id)")
    return removed, disabled


def _variants(session: Session) -> None:
    """A PDQ signal's own hash is its first index variant (entries already in this bank had
    theirs written when they came)."""
    _run(session, "INSERT INTO bank_signal_variants (signal_id, label, value) "
                  f"SELECT k.signal_id, '{ORIGINAL}', s.value FROM {KEYED} k "
                  f"JOIN {STAGE} s ON s.n = k.n "
                  "WHERE k.signal_type = 'pdq' AND k.entry_id IS NULL AND NOT EXISTS "
                  "(SELECT 1 FROM bank_signal_variants v WHERE v.signal_id = k.signal_id "
                  f"AND v.label = '{ORIGINAL}') "
                  "GROUP BY k.signal_id, s.value ORDER BY k.signal_id")


def _log_changes(session: Session, removals: bool) -> int:
    seq = changes.next_seq(session)
    now = _now(session)
    changes.insert_selected(session, seq, now, f"SELECT DISTINCT signal_id FROM {KEYED} "
                            f"WHERE entry_id IS NULL AND signal_type IN {INDEXED_TYPES} "
                            f"UNION SELECT signal_id FROM {REVIVED} "
                            f"WHERE signal_type IN {INDEXED_TYPES}")
    if removals:
        changes.insert_selected(session, seq, now, "SELECT DISTINCT e.signal_id FROM "
                                f"bank_entries e JOIN {REMOVED} r ON r.entry_id = e.id "
                                "WHERE e.enabled = FALSE")
    return seq


def _now(session: Session) -> object:
    now = utcnow()
    return now.replace(tzinfo=None) if dialect(session) == "sqlite" else now


def _drop(session: Session, replace: bool) -> None:
    for name in (KEYED, REVIVED, REMOVED, SOURCES) if replace else (KEYED, REVIVED):
        _run(session, f"DROP TABLE {name}")


def merge(session: Session, bank_id: int, replace: bool, staged: int) -> MergeCounts:
    """Merge the `staged` rows into bank `bank_id`; `replace`: the file is the whole of its
    sources' lists, so what they no longer list is removed."""
    large = staged >= ANALYZE_FROM
    _prepare(session, large)
    counts = MergeCounts(new_signals=_signals(session))
    counts.records = _key(session, bank_id, large)
    counts.new_entries = _entries(session, bank_id, large)
    if replace:
        _collect_removed(session, bank_id, large)
    counts.reclassified, counts.new_provenance = _provenance(session, bank_id)
    counts.unchanged = counts.records - counts.reclassified - counts.new_provenance
    if replace:
        counts.removed, counts.disabled_entries = _remove(session)
    _variants(session)
    counts.seq = _log_changes(session, replace)
    _drop(session, replace)
    return counts
