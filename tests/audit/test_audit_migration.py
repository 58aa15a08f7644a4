"""Rows written before the chain existed are chained by the migration, with the keys of the
process that migrates (`tipline db upgrade` binds the settings' keys)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from tipline.audit.chain import bind, keys_for
from tipline.audit.verify import verify
from tipline.db import Database
from tipline.migrate import upgrade
from tipline.settings import Settings


def test_existing_rows_are_chained_by_the_migration(tmp_path: Path) -> None:
    settings = Settings(environment="development", secret_key="s" * 40, data_dir=tmp_path)
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    bind(db.engine, keys_for(settings))
    upgrade(db, "0012")
    with db.engine.begin() as conn:
        for n in (1, 2, 5):  # a gap, as a rolled-back sequence leaves on PostgreSQL
            conn.execute(text(
                "INSERT INTO audit_events (id, at, actor, action, object_type, object_id, "
                f"detail) VALUES ({n}, '2026-01-0{n} 10:00:00.000000', 'user:1', 'case.note', "
                "'case', '7', '{\"k\": 1}')"))
    upgrade(db)
    with db.sessions() as session:
        result = verify(session, keys_for(settings), tmp_path / "checkpoints")
    db.dispose()
    assert result.ok, result.problems
    assert (result.rows, result.last_id) == (3, 5)
