"""Bank entries from media files: the file's hashes plus the extra PDQ hashes (rotations,
mirrors, crops) that let edited copies of it match."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace

from tipline.banks.records import HashRecord
from tipline.hashing.crypto import hash_bytes
from tipline.hashing.kinds import media_kind
from tipline.hashing.robust import augmentation_hashes
from tipline.hashing.video import vpdq_hash


def records_from_media(data: bytes, template: HashRecord
                       ) -> tuple[list[HashRecord], dict[str, list[tuple[str, str]]]]:
    """Records for one media file, each carrying the template's provenance and classification,
    and the augmentation variants of its PDQ hash. Raises MediaError for undecodable files."""
    crypto = hash_bytes(data)
    base = replace(template, contributed_at=template.contributed_at or dt.datetime.now(dt.UTC))
    records = [replace(base, signal_type="md5", value=crypto.md5),
               replace(base, signal_type="sha256", value=crypto.sha256)]
    variants: dict[str, list[tuple[str, str]]] = {}
    if media_kind(data) == "image":
        pairs = augmentation_hashes(data)
        own = pairs[0][1]  # the entry's own hash comes first
        records.append(replace(base, signal_type="pdq", value=own))
        variants[own] = [(label, value) for label, value in pairs[1:]]
    elif media_kind(data) == "video":
        frames = [f for f in vpdq_hash(data) if f.quality >= 50]
        digest = hashlib.sha256(",".join(f.hex for f in frames).encode()).hexdigest()
        records.append(replace(base, signal_type="vpdq", value=digest, content_type="video"))
        variants[digest] = [(f"frame:{f.index}", f.hex) for f in frames]
    return records, variants
