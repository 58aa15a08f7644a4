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
    kind = media_kind(data)
    # The file's SHA-256 names the item, so its hashes export as one entry (a VICS Media, an
    # NCMEC entry) again; the item's content type is the file's.
    base = replace(template, contributed_at=template.contributed_at or dt.datetime.now(dt.UTC),
                   item=template.item or crypto.sha256,
                   content_type=kind if kind in ("image", "video") else template.content_type)
    records = [replace(base, signal_type="md5", value=crypto.md5),
               replace(base, signal_type="sha256", value=crypto.sha256)]
    variants: dict[str, list[tuple[str, str]]] = {}
    if kind == "image":
        pairs = augmentation_hashes(data)
        own = pairs[0][1]  # the entry's own hash comes first
        records.append(replace(base, signal_type="pdq", value=own))
        variants[own] = [(label, value) for label, value in pairs[1:]]
    elif kind == "video":
        frames = [f for f in vpdq_hash(data) if f.quality >= 50]
        digest = hashlib.sha256(",".join(f.hex for f in frames).encode()).hexdigest()
        records.append(replace(base, signal_type="vpdq", value=digest))
        variants[digest] = [(f"frame:{f.index}", f.hex) for f in frames]
    return records, variants
