"""Set-based merge of a staged import into the banks (see `staging`): a handful of statements
whatever the import's size, each written once for both databases.

Order matters: duplicates in the file are dropped first (the last row of a (hash, source) wins,
as it did row by row), then signals, entries, provenance and index variants are written, and
last the change log, so that followers see the import in one sequence number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from tipline.banks import changes
from tipline.banks.staging import REMOVED, STAGE, dialect
from tipline.db import utcnow

ORIGINAL = "original:original"
INDEXED_TYPES = "('pdq', 'vpdq')"
_SAME_SOURCE = ("p.entry_id = {t}.entry_id AND p.contributor = {t}.contributor "
                "AND p.source_list = {t}.source_list")


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


def _prepare(session: Session) -> int:
    """Drop duplicate (hash, source) rows, keeping the last; index the staging table."""
    if dialect(session) == "postgresql":
        # Hash joins over a million staged rows need more than the 4 MB default; without it
        # PostgreSQL falls back to plans that are quadratic in the import's size.
        _run(session, "SET LOCAL work_mem = '256MB'")
    _run(session, f"CREATE INDEX ix_{STAGE}_key ON {STAGE} (signal_type, value)")
    if dialect(session) == "postgresql":
        _run(session, f"ANALYZE {STAGE}")  # temporary tables get no statistics otherwise
    _run(session, f"DELETE FROM {STAGE} WHERE EXISTS (SELECT 1 FROM {STAGE} t WHERE "
                  f"t.signal_type = {STAGE}.signal_type AND t.value = {STAGE}.value AND "
                  f"t.contributor = {STAGE}.contributor AND t.source_list = "
                  f"{STAGE}.source_list AND t.n > {STAGE}.n)")
    count = session.scalar(text(f"SELECT count(*) FROM {STAGE}"))
    return int(count or 0)


def _signals(session: Session) -> int:
    ignore = "OR IGNORE " if dialect(session) == "sqlite" else ""
    conflict = " ON CONFLICT DO NOTHING" if dialect(session) == "postgresql" else ""
    new = _run(session, f"INSERT {ignore}INTO bank_signals (signal_type, value) "
                        f"SELECT s.signal_type, s.value FROM {STAGE} s WHERE NOT EXISTS "
                        "(SELECT 1 FROM bank_signals b WHERE b.signal_type = s.signal_type "
                        "AND b.value = s.value) GROUP BY s.signal_type, s.value "
                        f"ORDER BY min(s.n){conflict}")
    _run(session, f"UPDATE {STAGE} SET signal_id = b.id FROM bank_signals b "
                  f"WHERE b.signal_type = {STAGE}.signal_type AND b.value = {STAGE}.value")
    return new


def _entry_ids(session: Session, bank_id: int) -> None:
    _run(session, f"UPDATE {STAGE} SET entry_id = e.id, entry_enabled = e.enabled "
                  f"FROM bank_entries e WHERE "
                  f"{STAGE}.entry_id IS NULL AND e.bank_id = :bank "
                  f"AND e.signal_id = {STAGE}.signal_id", bank=bank_id)


def _entries(session: Session, bank_id: int) -> int:
    """New entries, and entries a replacing import had emptied and this one lists again."""
    _entry_ids(session, bank_id)
    _run(session, f"UPDATE {STAGE} SET is_new = TRUE WHERE entry_id IS NULL")
    new = _run(session, "INSERT INTO bank_entries (bank_id, signal_id, enabled, added_at) "
                        f"SELECT :bank, signal_id, TRUE, :now FROM {STAGE} "
                        "WHERE entry_id IS NULL GROUP BY signal_id ORDER BY min(n)",
                 bank=bank_id, now=_now(session))
    _entry_ids(session, bank_id)
    _run(session, f"CREATE INDEX ix_{STAGE}_entry ON {STAGE} (entry_id)")
    _run(session, f"UPDATE {STAGE} SET is_new = TRUE WHERE entry_enabled = FALSE AND NOT "
                  "EXISTS (SELECT 1 FROM bank_provenance p WHERE p.entry_id = "
                  f"{STAGE}.entry_id)")
    _run(session, "UPDATE bank_entries SET enabled = TRUE WHERE id IN (SELECT entry_id FROM "
                  f"{STAGE} WHERE entry_enabled = FALSE AND is_new = TRUE)")
    return new


def _provenance(session: Session) -> tuple[int, int]:
    """(re-classified, new) provenance rows: a row whose fingerprint differs is rewritten."""
    cast = "CAST({} AS JSON)" if dialect(session) == "postgresql" else "{}"
    classifications = cast.format(f"{STAGE}.classifications")
    jurisdictions = cast.format(f"{STAGE}.jurisdictions")
    now = _now(session)
    changed = _run(
        session, f"UPDATE bank_provenance SET contributed_at = {STAGE}.contributed_at, "
                 f"classifications = {classifications}, jurisdictions = {jurisdictions}, "
                 f"note = {STAGE}.note, item = {STAGE}.item, "
                 f"content_type = {STAGE}.content_type, fingerprint = {STAGE}.fingerprint, "
                 f"imported_at = :now FROM {STAGE} "
                 f"WHERE {_SAME_SOURCE.format(t=STAGE).replace('p.', 'bank_provenance.')} "
                 "AND (bank_provenance.fingerprint IS NULL "
                 f"OR bank_provenance.fingerprint <> {STAGE}.fingerprint)", now=now)
    new = _run(
        session, "INSERT INTO bank_provenance (entry_id, contributor, source_list, "
                 "contributed_at, imported_at, classifications, jurisdictions, note, item, "
                 "content_type, fingerprint) "
                 f"SELECT s.entry_id, s.contributor, s.source_list, s.contributed_at, :now, "
                 f"{cast.format('s.classifications')}, {cast.format('s.jurisdictions')}, "
                 f"s.note, s.item, s.content_type, s.fingerprint FROM {STAGE} s "
                 "WHERE NOT EXISTS (SELECT 1 FROM bank_provenance p WHERE "
                 f"{_SAME_SOURCE.format(t='s')}) ORDER BY s.n", now=now)
    return changed, new


def _remove_missing(session: Session, bank_id: int) -> tuple[int, int]:
    """A replacing import: provenance of the file's sources that the file no longer lists
    goes; entries left with no source are disabled (kept: matches refer to them)."""
    _run(session, f"INSERT INTO {REMOVED} (provenance_id, entry_id) SELECT p.id, p.entry_id "
                  "FROM bank_provenance p JOIN bank_entries e ON e.id = p.entry_id "
                  "WHERE e.bank_id = :bank AND EXISTS (SELECT 1 FROM "
                  f"{STAGE} s WHERE s.contributor = p.contributor AND s.source_list = "
                  f"p.source_list) AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE "
                  f"{_SAME_SOURCE.format(t='s')})", bank=bank_id)
    removed = _run(session, f"DELETE FROM bank_provenance WHERE id IN "
                            f"(SELECT provenance_id FROM {REMOVED})")
    disabled = _run(session, "UPDATE bank_entries SET enabled = FALSE WHERE enabled = TRUE "
                             f"AND id IN (SELECT entry_id FROM {REMOVED}) AND NOT EXISTS "
                             "(SELECT 1 FROM bank_provenance p WHERE p.entry_id = "
                             "bank_entries.id)")
    return removed, disabled


def _variants(session: Session) -> None:
    """A PDQ signal's own hash is its first index variant."""
    _run(session, "INSERT INTO bank_signal_variants (signal_id, label, value) "
                  f"SELECT s.signal_id, '{ORIGINAL}', s.value FROM {STAGE} s "
                  "WHERE s.signal_type = 'pdq' AND NOT EXISTS (SELECT 1 FROM "
                  "bank_signal_variants v WHERE v.signal_id = s.signal_id "
                  f"AND v.label = '{ORIGINAL}') "
                  "GROUP BY s.signal_id, s.value ORDER BY min(s.n)")


def _log_changes(session: Session, bank_id: int, removals: bool) -> int:
    seq = changes.next_seq(session)
    now = _now(session)
    changes.insert_selected(session, seq, now, f"SELECT DISTINCT signal_id FROM {STAGE} "
                            f"WHERE is_new = TRUE AND signal_type IN {INDEXED_TYPES}")
    if removals:
        changes.insert_selected(session, seq, now, "SELECT DISTINCT e.signal_id FROM "
                                f"bank_entries e JOIN {REMOVED} r ON r.entry_id = e.id "
                                "WHERE e.enabled = FALSE")
    return seq


def _now(session: Session) -> object:
    now = utcnow()
    return now.replace(tzinfo=None) if dialect(session) == "sqlite" else now


def merge(session: Session, bank_id: int, replace: bool) -> MergeCounts:
    """Merge the staged rows into bank `bank_id`; `replace`: the file is the whole of its
    sources' lists, so what they no longer list is removed."""
    counts = MergeCounts(records=_prepare(session))
    counts.new_signals = _signals(session)
    counts.new_entries = _entries(session, bank_id)
    counts.reclassified, counts.new_provenance = _provenance(session)
    counts.unchanged = counts.records - counts.reclassified - counts.new_provenance
    if replace:
        counts.removed, counts.disabled_entries = _remove_missing(session, bank_id)
    _variants(session)
    counts.seq = _log_changes(session, bank_id, replace)
    return counts
