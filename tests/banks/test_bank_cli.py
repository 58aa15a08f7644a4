"""`tipline banks` and `tipline scan` through the real command line (Typer's runner)."""

from __future__ import annotations

import csv
import json
import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tipline.banks.formats import FORMATS
from tipline.banks.models import BankEntry, BankSignal
from tipline.banks.records import HashRecord
from tipline.cli import app
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg, variants

runner = CliRunner()




def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def sample_records(n: int) -> list[HashRecord]:
    return [HashRecord(signal_type="pdq", value=secrets.token_hex(32), contributor="Hotline",
                       source_list="list-1", classifications={"industry": "A1"},
                       jurisdictions=("GB",)) for _ in range(n)]


@pytest.mark.parametrize("fmt", ["csv", "hma", "ncmec"])
def test_import_export_round_trip(cli_env: None, state: AppState, tmp_path: Path,
                                  fmt: str) -> None:
    source = tmp_path / f"in.{FORMATS[fmt].extension}"
    source.write_bytes(FORMATS[fmt].write(sample_records(20)))
    run("banks", "create", "first")
    assert "imported 20 records" in run("banks", "import", "first", str(source))
    out = tmp_path / "out"
    run("banks", "export", "first", str(out), "--format", fmt)
    run("banks", "create", "second")
    run("banks", "import", "second", str(out), "--format", fmt)
    with state.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BankSignal)) == 20
        assert s.scalar(select(func.count()).select_from(BankEntry)) == 40
    assert FORMATS[fmt].read(out.read_bytes()) == FORMATS[fmt].read(source.read_bytes())


def test_broken_import_names_the_line_and_stores_nothing(cli_env: None, state: AppState,
                                                         tmp_path: Path) -> None:
    good = FORMATS["csv"].write(sample_records(5)).decode()
    lines = good.splitlines()
    lines[3] = lines[3].replace("pdq,", "pdq,zz", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    run("banks", "create", "b")
    result = runner.invoke(app, ["banks", "import", "b", str(bad)])
    assert result.exit_code == 2 and "line 4" in result.output
    with state.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BankSignal)) == 0


def test_hma_negative_list_needs_a_negative_bank(cli_env: None, tmp_path: Path) -> None:
    from tipline.banks.formats import hma

    path = tmp_path / "benign.csv"
    path.write_bytes(hma.write(sample_records(3), category=hma.NEGATIVE))
    run("banks", "create", "known")
    result = runner.invoke(app, ["banks", "import", "known", str(path), "--format", "hma"])
    assert result.exit_code == 2 and "negative" in result.output
    run("banks", "create", "benign", "--kind", "negative")
    run("banks", "import", "benign", str(path), "--format", "hma")


def test_report_shows_disagreements(cli_env: None, tmp_path: Path) -> None:
    value = secrets.token_hex(32)
    for bank, label in (("a", "A1"), ("b", "B2")):
        path = tmp_path / f"{bank}.csv"
        path.write_bytes(FORMATS["csv"].write([HashRecord(
            signal_type="pdq", value=value, contributor=bank,
            classifications={"industry": label})]))
        run("banks", "create", bank)
        run("banks", "import", bank, str(path))
    output = run("banks", "report")
    assert "1 disagreements" in output and "A1" in output and "B2" in output


def test_scan_a_folder(cli_env: None, tmp_path: Path) -> None:
    known = generate(3)
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "known.jpg").write_bytes(to_jpeg(known))
    run("banks", "create", "known")
    run("banks", "add-media", "known", str(tmp_path / "bank" / "known.jpg"),
        "--contributor", "Hotline", "--classification", "industry=A1")
    folder = tmp_path / "company"
    (folder / "sub").mkdir(parents=True)
    (folder / "copy.jpg").write_bytes(variants(known)["rot90"])
    (folder / "sub" / "other.jpg").write_bytes(to_jpeg(generate(4)))
    (folder / "notes.txt").write_text("not media")
    (folder / "broken.jpg").write_bytes(to_jpeg(generate(5))[:300])
    out = tmp_path / "result.json"
    run("scan", str(folder), "--format", "json", "--output", str(out))
    rows = {r["path"]: r for r in json.loads(out.read_text())}
    assert rows["copy.jpg"]["matched"] and rows["copy.jpg"]["banks"] == ["known"]
    # What the matched entry's source says, and who it is.
    assert rows["copy.jpg"]["classifications"] == ["industry=A1"]
    assert rows["copy.jpg"]["sources"] == ["Hotline"]
    [entry] = rows["copy.jpg"]["entries"]
    assert entry["bank"] == "known" and entry["matched_by"] == rows["copy.jpg"]["matched_by"]
    assert entry["provenance"][0]["contributor"] == "Hotline"
    assert not rows["sub/other.jpg"]["matched"]
    assert rows["sub/other.jpg"]["classifications"] == [] == rows["sub/other.jpg"]["entries"]
    assert rows["notes.txt"]["kind"] == "other"
    assert rows["broken.jpg"]["error"]


def test_scan_csv_carries_classification_and_sources(cli_env: None, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jpg").write_bytes(to_jpeg(generate(11)))
    run("banks", "create", "known")
    run("banks", "add-media", "known", str(tmp_path / "in" / "a.jpg"), "--contributor",
        "Hotline", "--source-list", "weekly", "--classification", "industry=B1")
    out = tmp_path / "result.csv"
    run("scan", str(tmp_path / "in"), "--output", str(out))
    [row] = list(csv.DictReader(out.read_text().splitlines()))
    assert row["matched"] == "True"
    assert row["classifications"] == "industry=B1" and row["sources"] == "Hotline (weekly)"


@pytest.mark.parametrize(("fmt", "exported", "skipped"), [
    ("csv", 7, None),
    ("hma", 7, None),
    # Each file is one Media (MD5 + SHA-256 + PDQ); the lone SHA-256 has no MD5 to key on.
    ("vics", 6, "skipped 1 record(s): a VICS Media is keyed on one MD5"),
    # NCMEC has no SHA-256 field: each file's MD5 and PDQ are exported.
    ("ncmec", 4, "skipped 3 record(s): ncmec has no field for sha256 hashes"),
])
def test_a_bank_of_media_exports_to_every_format(cli_env: None, state: AppState,
                                                 tmp_path: Path, fmt: str, exported: int,
                                                 skipped: str | None) -> None:
    files = []
    for seed in (21, 22):
        files.append(tmp_path / f"{seed}.jpg")
        files[-1].write_bytes(to_jpeg(generate(seed)))
    run("banks", "create", "media")
    run("banks", "add-media", "media", *map(str, files), "--contributor", "Hotline",
        "--classification", "industry=A1")
    run("banks", "add", "media", "sha256", "ab" * 32, "--contributor", "Other")
    out = tmp_path / f"out.{fmt}"
    text = run("banks", "export", "media", str(out), "--format", fmt)
    assert f"exported {exported} records" in text
    assert (skipped in text) if skipped else "skipped" not in text
    run("banks", "create", "copy")
    assert f"imported {exported} records" in run("banks", "import", "copy", str(out),
                                                 "--format", fmt)
