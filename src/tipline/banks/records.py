"""The interchange record every bank format reads into and writes from.

One record is one hash as one source states it: the hash, who contributed it and when, how they
classified it, and where it is illegal. Formats differ in what they can carry; a field a format
cannot carry stays empty (never guessed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Signal types tipline understands. Cryptographic and vendor hashes match exactly; pdq matches
# within a bank's distance threshold.
EXACT_TYPES = ("md5", "sha1", "sha256", "photodna", "tmk_pdqf", "vendor")
SIGNAL_TYPES = (*EXACT_TYPES, "pdq", "vpdq")

CONTENT_TYPES = ("image", "video")

# Classification schemes (DESIGN.md section 3) and their allowed labels.
SCHEMES: dict[str, tuple[str, ...]] = {
    "interpol_baseline": ("baseline", "not_baseline"),
    "iccam": ("baseline", "nationally_illegal", "not_illegal"),
    "industry": ("A1", "A2", "B1", "B2"),
    "project_vic": ("0", "1", "2", "3", "4"),
    "uk": ("A", "B", "C"),
}


class FormatError(ValueError):
    """A bank file cannot be read. `where` names the line or record, so the error says which."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True)
class HashRecord:
    signal_type: str  # one of SIGNAL_TYPES
    # normalised: lower-case hex for md5/sha1/sha256/pdq/photodna (144 bytes); opaque text
    # otherwise ("vendor" values are "<vendor>:<hash>", so two vendors never collide)
    value: str
    classifications: dict[str, str] = field(default_factory=dict)  # scheme -> label
    jurisdictions: tuple[str, ...] = ()  # ISO 3166 alpha-2 codes where illegal
    contributor: str | None = None
    source_list: str | None = None
    contributed_at: dt.datetime | None = None
    note: str | None = None
    # The source's own key for the file these hashes came from (VICS MediaID, NCMEC entry id):
    # records sharing an item are hashes of one file, so writers emit them as one entry again.
    item: str | None = None
    content_type: str | None = None  # one of CONTENT_TYPES, when the source says
