"""Pure rules of bulk imports: how a record becomes a staging row, and its fingerprint.

A list's rows mostly repeat what a source says (its classification, jurisdictions, dates);
only the hash differs. So the JSON and the fingerprint of that description are computed once
per distinct description (`described`, memoised) rather than once per row: a row then costs
a tuple, not three JSON encodings and a digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from typing import Any

from tipline.banks.records import HashRecord

# The columns of the staging table a row fills, in the order `staging_row` returns them (the
# table numbers rows itself, in the order they arrive: the last row of a duplicate wins).
STAGE_COLUMNS = ("signal_type", "value", "contributor", "source_list", "contributed_at",
                 "classifications", "jurisdictions", "note", "item", "content_type",
                 "fingerprint")
STAMP_COLUMN = STAGE_COLUMNS.index("contributed_at")

Row = tuple[Any, ...]
# (contributed_at, sorted classification items, jurisdictions, note, item, content_type)
Description = tuple[dt.datetime | None, tuple[tuple[str, str], ...], tuple[str, ...],
                    str | None, str | None, str | None]


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def describe(record: HashRecord) -> Description:
    return (record.contributed_at, tuple(sorted(record.classifications.items())),
            record.jurisdictions, record.note, record.item, record.content_type)


@lru_cache(maxsize=4096)
def described(description: Description) -> tuple[str, str, str]:
    """(classifications JSON, jurisdictions JSON, fingerprint) of one description."""
    stamp, classifications, jurisdictions, note, item, content_type = description
    labels = dict(classifications)
    iso = stamp.astimezone(dt.UTC).isoformat() if stamp else ""
    text = _json([iso, labels, list(jurisdictions), note, item, content_type])
    digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    return _json(labels), _json(list(jurisdictions)), digest


def fingerprint(record: HashRecord) -> str:
    """A digest of everything a source says about a hash besides the hash itself: equal
    fingerprints mean a re-import has nothing to change in that provenance row."""
    return described(describe(record))[2]


def sqlite_datetime(value: dt.datetime | None) -> str | None:
    """How SQLAlchemy stores a UTC datetime on SQLite, for rows written around the ORM."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def staging_row(record: HashRecord) -> Row:
    classifications, jurisdictions, digest = described(describe(record))
    return (record.signal_type, record.value, record.contributor or "",
            record.source_list or "", record.contributed_at, classifications, jurisdictions,
            record.note, record.item, record.content_type, digest)


def sqlite_row(row: Row) -> Row:
    """The row with its date as SQLite stores it."""
    stamp = row[STAMP_COLUMN]
    if stamp is None:
        return row
    return (*row[:STAMP_COLUMN], sqlite_datetime(stamp), *row[STAMP_COLUMN + 1:])
