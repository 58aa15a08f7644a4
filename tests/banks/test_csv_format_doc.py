"""The CSV bank format documented in docs/cli.md is the one `banks import` reads."""

from __future__ import annotations

import re
from pathlib import Path

from tipline.banks.formats import FORMATS
from tipline.banks.formats.csvfmt import COLUMNS

DOC = Path(__file__).parents[2] / "docs" / "cli.md"


def test_the_documented_csv_example_reads_with_every_column() -> None:
    section = DOC.read_text().split("### The CSV bank format", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert block is not None
    header = block.group(1).splitlines()[0]
    assert tuple(header.split(",")) == COLUMNS
    [record] = FORMATS["csv"].read(block.group(1).encode())
    assert record.classifications == {"interpol_baseline": "baseline", "industry": "A1"}
    assert record.jurisdictions == ("GB", "DE") and record.item == "file-17"
