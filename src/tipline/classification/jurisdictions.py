"""The jurisdiction table shipped as data (`jurisdictions.csv`): parsing is strict, so a value
that is neither known nor written `unknown` is an error rather than a silent guess."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

Coverage = Literal["yes", "no", "conditional", "unknown"]
COVERAGE: tuple[Coverage, ...] = ("yes", "no", "conditional", "unknown")
UNKNOWN = "unknown"
COLUMNS = ("code", "country", "protected_age", "drawn_covered", "generated_covered",
           "possession_offence", "unviewed_requires_authority", "retention_days", "source",
           "notes")


class TableError(ValueError):
    pass


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    country: str
    protected_age: int | None  # None: unknown
    drawn_covered: Coverage
    generated_covered: Coverage
    possession_offence: Coverage
    unviewed_requires_authority: Coverage
    retention_days: int | None  # None: unknown
    source: str
    notes: str


def _coverage(value: str, where: str) -> Coverage:
    for known in COVERAGE:
        if value == known:
            return known
    raise TableError(f"{where}: {value!r} is not one of {', '.join(COVERAGE)}")


def _number(value: str, where: str) -> int | None:
    if value == UNKNOWN:
        return None
    if not value.isdigit():
        raise TableError(f"{where}: {value!r} is neither a whole number nor 'unknown'")
    return int(value)


def _row(raw: dict[str, str], line: int) -> Jurisdiction:
    where = f"jurisdictions.csv line {line}"
    if any(raw.get(column) in (None, "") for column in COLUMNS if column != "notes"):
        raise TableError(f"{where}: every column but notes needs a value ('unknown' if unknown)")
    code = raw["code"]
    if len(code) != 2 or not code.isupper():
        raise TableError(f"{where}: code {code!r} is not an ISO 3166 alpha-2 code")
    return Jurisdiction(
        code=code, country=raw["country"],
        protected_age=_number(raw["protected_age"], f"{where} protected_age"),
        drawn_covered=_coverage(raw["drawn_covered"], f"{where} drawn_covered"),
        generated_covered=_coverage(raw["generated_covered"], f"{where} generated_covered"),
        possession_offence=_coverage(raw["possession_offence"], f"{where} possession_offence"),
        unviewed_requires_authority=_coverage(raw["unviewed_requires_authority"],
                                              f"{where} unviewed_requires_authority"),
        retention_days=_number(raw["retention_days"], f"{where} retention_days"),
        source=raw["source"], notes=raw.get("notes") or "",
    )


def parse_table(text: str) -> dict[str, Jurisdiction]:
    lines = text.splitlines()
    body = [line for line in lines if not line.startswith("#")]
    offset = len(lines) - len(body)
    reader = csv.DictReader(io.StringIO("\n".join(body)))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise TableError(f"jurisdictions.csv: columns must be {', '.join(COLUMNS)}")
    table: dict[str, Jurisdiction] = {}
    for raw in reader:
        row = _row(raw, reader.line_num + offset)
        if row.code in table:
            raise TableError(f"jurisdictions.csv: {row.code} appears twice")
        table[row.code] = row
    return table


@lru_cache(maxsize=1)
def load_table() -> dict[str, Jurisdiction]:
    text = resources.files("tipline.classification").joinpath("jurisdictions.csv").read_text(
        encoding="utf-8")
    return parse_table(text)


def lookup(code: str | None) -> Jurisdiction | None:
    return load_table().get((code or "").upper())
