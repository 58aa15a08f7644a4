"""Where every `tipline` command gets its settings, database and console, and how its user
errors are told: the CLI's one composition point (the environment is read here, once per
command, and nowhere in the domains)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console, ConsoleDimensions
from sqlalchemy.exc import OperationalError, ProgrammingError
from typer._click.core import Context  # Typer ships its own click
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from tipline.audit import chain
from tipline.db import Database
from tipline.errors import DomainError
from tipline.settings import Settings

# Wide enough that no table wraps in a log file or a pipe; a terminal keeps its own width.
LOG_WIDTH = 1000


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


class OutputConsole(Console):
    """A Rich console that measures its stream when it prints, not when it was made: on a
    terminal it wraps to the terminal, elsewhere (a log file, a pipe, a test) lines are
    never wrapped (tables keep one row per line) and no colour codes are written."""

    def __init__(self, stderr: bool = False) -> None:
        super().__init__(stderr=stderr, highlight=False)

    @property
    def size(self) -> ConsoleDimensions:
        measured = super().size
        if self.is_terminal:
            return measured
        return ConsoleDimensions(LOG_WIDTH, measured.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size

    @property
    def is_terminal(self) -> bool:
        stream = sys.stderr if self.stderr else sys.stdout
        return bool(getattr(stream, "isatty", lambda: False)())


def console(stderr: bool = False) -> Console:
    """The console a command prints to (stderr for progress and errors)."""
    return OutputConsole(stderr=stderr)


# --- user errors: one line and a non-zero exit, never a traceback ---------------------------

def _user_error(exc: BaseException) -> tuple[str, int] | None:
    """The one-line message and exit status of an error a person caused (a bad file, a
    server that is down, a database without its schema), or None for a bug (which keeps its
    traceback, so it gets reported)."""
    if isinstance(exc, DomainError):
        return exc.message, 1
    if isinstance(exc, httpx.TransportError):
        where = exc.request.url if _has_request(exc) else "the server"
        return f"cannot reach {where}: {exc or type(exc).__name__} (is the server running?)", 3
    if isinstance(exc, OperationalError | ProgrammingError):
        return _database_error(exc), 3
    if isinstance(exc, ValidationError):
        return describe(exc), 2
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}", 2
    return None


def describe(exc: Exception) -> str:
    """An error's message for a person: pydantic's without its links to pydantic's site, each
    field by name (for settings, as its `TIPLINE_*` variable)."""
    if not isinstance(exc, ValidationError):
        return str(exc)
    if exc.title == "Settings":
        return "invalid settings: " + "; ".join(
            f"TIPLINE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: "
                     f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 -- raises when the error has no request
    except RuntimeError:
        return False
    return True


def _database_error(exc: OperationalError | ProgrammingError) -> str:
    text = str(exc.orig or exc).splitlines()[0]
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        return f"the database has no schema yet ({text}): run `tipline db upgrade` first"
    return f"database error: {text}"


class KindGroup(TyperGroup):
    """The root command group: a user error anywhere below it is told in one line on stderr
    with a non-zero exit status."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except UsageError as exc:  # a bad option value, a missing file argument
            where = exc.ctx.command_path if exc.ctx else ctx.command_path
            _tell(f"{exc.format_message()} (see `{where} --help`)")
            raise typer.Exit(exc.exit_code) from exc
        except ClickException:
            raise
        except Exception as exc:
            told = _user_error(exc)
            if told is None:
                raise
            message, status = told
            _tell(message)
            raise typer.Exit(status) from exc


def _tell(message: str) -> None:
    typer.echo(f"error: {' '.join(message.split())}", err=True)


def one_of(*values: str) -> Callable[[str | None], str | None]:
    """An option's callback that accepts only these values (or none given)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in values:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(values)}")
        return value

    return check
