"""The jurisdiction table: loads, covers the named countries, cites sources, guesses nothing."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from tipline.classification.jurisdictions import (
    COLUMNS,
    COVERAGE,
    TableError,
    load_table,
    parse_table,
)

NAMED = ("US", "CA", "GB", "DE", "FR", "SE", "NL", "AU", "BR", "IN", "PH", "JP")


def raw_text() -> str:
    return resources.files("tipline.classification").joinpath("jurisdictions.csv").read_text()


def test_table_loads_with_at_least_30_countries_including_the_named_ones() -> None:
    table = load_table()
    assert len(table) >= 30
    assert set(NAMED) <= set(table)


def test_the_file_says_it_is_data_to_review_not_legal_advice() -> None:
    assert "NOT LEGAL ADVICE" in raw_text().splitlines()[0]


def test_every_row_cites_a_source() -> None:
    for row in load_table().values():
        assert len(row.source) > 8, row.code


def test_schema_of_every_cell_unknowns_are_written_unknown() -> None:
    body = "\n".join(line for line in raw_text().splitlines() if not line.startswith("#"))
    for raw in csv.DictReader(io.StringIO(body)):
        for column in ("drawn_covered", "generated_covered", "possession_offence",
                       "unviewed_requires_authority"):
            assert raw[column] in COVERAGE, (raw["code"], column)
        for column in ("protected_age", "retention_days"):
            assert raw[column] == "unknown" or raw[column].isdigit(), (raw["code"], column)
        assert all(raw[c] for c in COLUMNS if c != "notes"), raw["code"]


def test_conditional_values_explain_their_condition() -> None:
    for row in load_table().values():
        if "conditional" in (row.drawn_covered, row.generated_covered):
            assert row.notes, row.code


def test_us_gates_unviewed_files_citing_wilson() -> None:
    us = load_table()["US"]
    assert us.unviewed_requires_authority == "yes"
    assert "Wilson" in us.source and "9th Cir." in us.source


def test_parser_refuses_a_guess_shaped_value() -> None:
    header = ",".join(COLUMNS)
    bad = f"{header}\nXX,Testland,18,maybe,no,yes,no,unknown,Test Act s. 1,\n"
    with pytest.raises(TableError, match="line 2 drawn_covered"):
        parse_table(bad)
    empty = f"{header}\nXX,Testland,,no,no,yes,no,unknown,Test Act s. 1,\n"
    with pytest.raises(TableError, match="unknown"):
        parse_table(empty)
