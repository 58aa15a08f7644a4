"""Where every `tipline` command gets its settings and database: the CLI's one composition
point (the environment is read here, once per command, and nowhere in the domains)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tipline.audit import chain
from tipline.db import Database
from tipline.settings import Settings


def settings() -> Settings:
    """The settings of this command, from `TIPLINE_*` variables (and `.env`)."""
    return Settings()


@contextmanager
def database(given: Settings | None = None, *, migrating: bool = False) -> Iterator[Database]:
    """The database of this command, disposed of when the command is done with it; with
    `migrating`, connected as the tables' owner (`TIPLINE_MIGRATION_DATABASE_URL`)."""
    chosen = given or settings()
    db = Database(chosen.resolved_migration_database_url if migrating
                  else chosen.resolved_database_url)
    chain.bind(db.engine, chain.keys_for(chosen))
    try:
        yield db
    finally:
        db.dispose()
