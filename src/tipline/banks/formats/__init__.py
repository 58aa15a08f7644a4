"""Hash-bank interchange formats: pure functions, bytes in -> records out, records in -> bytes.

`FORMATS[name].read(data)` returns every record of the file or raises `FormatError` (whose
`where` names the line, entry or Media), never a part: an import is one transaction.
`FORMATS[name].write(records)` refuses (FormatError naming the record) a record the format
cannot represent, such as a hash type it has no field for; `signal_types` says which types
a format carries, so callers can filter first. `detect(data, filename)` picks the format.

| name  | what                                            | module   |
| vics  | Project VIC VICS 2.0 JSON (OData)               | vics.py  |
| ncmec | NCMEC hash-sharing entries XML                  | ncmec.py |
| hma   | python-threatexchange / HMA signal list (CSV)   | hma.py   |
| csv   | plain CSV with every HashRecord field           | csvfmt.py|
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tipline.banks.formats import csvfmt, hma, ncmec, vics
from tipline.banks.records import SIGNAL_TYPES, FormatError, HashRecord


@dataclass(frozen=True)
class Format:
    name: str
    read: Callable[[bytes], list[HashRecord]]
    write: Callable[[list[HashRecord]], bytes]
    media_type: str
    extension: str  # with the dot, e.g. ".json"
    signal_types: tuple[str, ...]  # what write accepts; read yields a subset
    description: str


FORMATS: dict[str, Format] = {
    "vics": Format("vics", vics.read, vics.write, "application/json", ".json",
                   ("md5", "sha1", "sha256", "photodna", "pdq", "vpdq", "tmk_pdqf", "vendor"),
                   "Project VIC VICS 2.0 JSON (needs an md5 per Media)"),
    "ncmec": Format("ncmec", ncmec.read, ncmec.write, "application/xml", ".xml",
                    ("md5", "sha1", "photodna", "pdq", "tmk_pdqf", "vendor"),
                    "NCMEC hash-sharing entries XML"),
    "hma": Format("hma", hma.read, hma.write, "text/csv", ".csv",
                  ("md5", "sha1", "sha256", "photodna", "pdq", "vpdq", "tmk_pdqf"),
                  "python-threatexchange / HMA signal list"),
    "csv": Format("csv", csvfmt.read, csvfmt.write, "text/csv", ".csv", SIGNAL_TYPES,
                  "plain CSV with every field"),
}


def _sniff(data: bytes) -> str | None:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "vics"
    if head.startswith(b"<"):
        return "ncmec"
    first = head.split(b"\n", 1)[0].strip().lower()
    if first.startswith(b"signal_type,signal_str"):
        return "hma"
    if first.startswith(b"signal_type,"):
        return "csv"
    kind = first.split(b" ", 1)[0].decode("ascii", "replace")
    if kind in hma.PYTX_TYPES and b" " in first:  # pytx's "<signal_type> <signal>" lines
        return "hma"
    return None


def detect(data: bytes, filename: str = "") -> str:
    """The format of a file: by its content first (extensions lie: .csv is two formats, and
    exports get renamed), then by its extension."""
    found = _sniff(data)
    if found:
        return found
    suffix = filename.lower().rpartition(".")[2] if "." in filename else ""
    by_suffix = {"json": "vics", "xml": "ncmec", "csv": "csv", "txt": "hma"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    raise FormatError("file", "cannot tell the format; name it (vics, ncmec, hma or csv)")


__all__ = ["FORMATS", "Format", "FormatError", "detect"]
