"""Pure rules of bulk imports: how a record becomes a staging row, and its fingerprint."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from tipline.banks.records import HashRecord

# The columns of the staging table, in the order `staging_row` returns them.
STAGE_COLUMNS = ("n", "signal_type", "value", "contributor", "source_list", "contributed_at",
                 "classifications", "jurisdictions", "note", "item", "content_type",
                 "fingerprint")


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(record: HashRecord) -> str:
    """A digest of everything a source says about a hash besides the hash itself: equal
    fingerprints mean a re-import has nothing to change in that provenance row."""
    stamp = record.contributed_at.astimezone(dt.UTC).isoformat() if record.contributed_at \
        else ""
    text = _json([stamp, record.classifications, list(record.jurisdictions), record.note,
                  record.item, record.content_type])
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def sqlite_datetime(value: dt.datetime | None) -> str | None:
    """How SQLAlchemy stores a UTC datetime on SQLite, for rows written around the ORM."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def staging_row(n: int, record: HashRecord, sqlite: bool) -> tuple[Any, ...]:
    stamp: Any = sqlite_datetime(record.contributed_at) if sqlite else record.contributed_at
    return (n, record.signal_type, record.value, record.contributor or "",
            record.source_list or "", stamp, _json(record.classifications),
            _json(list(record.jurisdictions)), record.note, record.item, record.content_type,
            fingerprint(record))
