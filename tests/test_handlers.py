"""Handlers are thin: no web entry point opens a transaction or a session; use cases do (one
each), so every unit of work is in one place whichever entry point calls it."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "tipline"
FORBIDDEN = ("db.transaction(", "db.sessions(", "core_transaction(", "single_reads(")


def web_files() -> list[Path]:
    """Every `api.py`, and every module of a `web` package (pages, to come)."""
    return sorted({*SRC.rglob("api.py"), *SRC.rglob("web/*.py"), SRC / "app.py"})


def test_no_handler_opens_a_transaction_or_a_session() -> None:
    found = [f"{path.relative_to(SRC)}: {needle}" for path in web_files()
             for needle in FORBIDDEN if needle in path.read_text(encoding="utf-8")]
    assert len(web_files()) > 5
    assert found == [], "handlers call one use case; open transactions there"
