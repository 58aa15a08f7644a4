"""Exact PDQ near-duplicate match index (multi-index hashing, no database).

See ``index.py`` for the update/persistence design and ``segment.py`` for why lookups
never miss an entry within the radius.
"""

from tipline.matching.index.index import PdqIndex, bytes_to_hex, hex_to_bytes

__all__ = ["PdqIndex", "bytes_to_hex", "hex_to_bytes"]
