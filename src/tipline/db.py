"""Database engine, sessions and the declarative base, for SQLite and PostgreSQL alike.

Services never commit: the request or job that owns a `Session` commits once (see
`transaction`). On SQLite every transaction starts with BEGIN IMMEDIATE so that two writers in
one process queue on the busy timeout instead of failing on a lock upgrade.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from tipline.errors import Invalid

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _ClampedInteger(TypeDecorator[int]):
    """An integer column whose bound values are clamped to what the column can hold.

    Python's integers have no bounds and the databases' do: a request asking for case
    2**64 made PostgreSQL fail the query ("bigint out of range") and SQLite the driver
    (OverflowError), i.e. a server error. Clamped, a comparison answers as it would with
    unbounded numbers (no row has an id past the bound, so the lookup finds nothing and
    answers 404; `id < 2**70` is every row). Values written come from rows read before (ids
    are generated, foreign ids are looked up first), so nothing in range is ever changed."""

    impl = Integer
    cache_ok = True
    low, high = -(2**31), 2**31 - 1

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, int) and not self.low <= value <= self.high:
            return self.high if value > self.high else self.low
        return value


class SafeInteger(_ClampedInteger):
    """A 32-bit integer column (the type of every `Mapped[int]` without an explicit type)."""

    cache_ok = True


class BigIdType(_ClampedInteger):
    """64-bit ids on PostgreSQL; on SQLite only an INTEGER primary key autoincrements (and is
    64-bit there)."""

    impl = BigInteger
    cache_ok = True
    low, high = -(2**63), 2**63 - 1

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(Integer() if dialect.name == "sqlite" else BigInteger())


BigId = BigIdType()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, int: SafeInteger}


def table_of(model: type[Base]) -> Table:
    """A model's table, for the hot paths that run prebuilt Core statements: building a
    statement (or flushing an ORM object) costs more than executing one."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


Executor = Session | Connection
"""What runs statements: an ORM `Session`, or a bare `Connection` on the intake hot path."""


def connection_of(executor: Executor) -> Connection:
    return executor if isinstance(executor, Connection) else executor.connection()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite has no timezone type)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)



class UTCConstant(ColumnElement[dt.datetime]):
    """A fixed UTC moment written into the SQL text itself (not a bound parameter), in each
    database's own form: an expression index built on it then matches the queries using it
    (a bound parameter would not match a prepared statement's generic plan)."""

    inherit_cache = True
    _traverse_internals = [("moment", InternalTraversal.dp_plain_obj)]

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment.astimezone(dt.UTC)
        self.type = UTCDateTime()


@compiles(UTCConstant, "postgresql")
def _utc_constant_postgresql(element: UTCConstant, _compiler: SQLCompiler, **_kw: Any) -> str:
    return f"'{element.moment:%Y-%m-%d %H:%M:%S}+00'::timestamptz"


@compiles(UTCConstant)
def _utc_constant_sqlite(element: UTCConstant, _compiler: SQLCompiler, **_kw: Any) -> str:
    # SQLite stores UTCDateTime as this text, so the literal compares as the column does.
    return f"'{element.moment:%Y-%m-%d %H:%M:%S.%f}'"


WRITE_OPTION = "tipline_write"
# Characters no text column can hold: PostgreSQL refuses NUL, and a lone surrogate (JSON's
# "\ud800" decodes to one) cannot be encoded at all. SQLite would keep both, so both
# databases refuse them alike.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableText(Invalid):
    """A text holds a character no database text can hold (400)."""


def _refuse_unstorable_text(_conn: Any, _cursor: Any, _statement: str, parameters: Any,
                            _context: Any, _executemany: bool) -> None:
    """Refuse such text before the driver fails on it (a server error, before): raised here,
    the domain error reaches the caller unwrapped and the transaction rolls back."""
    for value in _values(parameters):
        if type(value) is not str or (value.isascii() and "\x00" not in value):
            continue  # the common case, decided without a regular expression
        found = _UNSTORABLE.search(value)
        if found is not None:
            raise UnstorableText(f"a text holds the character U+{ord(found.group()):04X}, "
                                 "which cannot be stored; remove it")


def _values(parameters: Any) -> Iterator[Any]:
    """Every value of a statement's parameters: one set or many (executemany, and batched
    inserts whose sets arrive flattened), each a mapping or a sequence."""
    if isinstance(parameters, dict):
        yield from parameters.values()
    elif isinstance(parameters, list | tuple):
        for item in parameters:
            if isinstance(item, dict | list | tuple):
                yield from _values(item)
            else:
                yield item


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    # No pre-ping: it costs a round trip per checkout on the intake hot path; connections are
    # recycled instead, and a request on a connection the server dropped fails before anything
    # is acknowledged.
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)
    event.listen(engine, "before_cursor_execute", _refuse_unstorable_text)
    return engine


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "before_cursor_execute", _refuse_unstorable_text)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event control transactions (pysqlite's own is lazy).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged report survives power loss, not only a process crash.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front (no deadlock on a lock upgrade); readers take
        # none, so in WAL mode they never queue behind a writer's fsync.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """An engine and its session factory, created once per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Its busy handler makes a waiting writer sleep in
        # growing steps (up to 100 ms) while the lock may already be free; threads of this
        # process queue here instead and get the lock the moment it is released. Writers in
        # other processes still wait on the busy timeout.
        self._sqlite_writer = threading.RLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any exception. (Plain
        `sessions()` are for reads: on SQLite they do not take the write lock.)"""
        with self._writer_turn(), self.sessions() as session, session.begin():
            session.connection(execution_options={WRITE_OPTION: True})
            yield session

    @contextmanager
    def core_transaction(self) -> Iterator[Connection]:
        """`transaction` on a bare Connection, for units of work that run only prebuilt Core
        statements (the intake hot path): an ORM Session costs about 100 us of CPU per
        transaction to begin, flush and commit, with nothing to flush."""
        with self._writer_turn(), self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    def _writer_turn(self) -> AbstractContextManager[object]:
        return self._sqlite_writer if self._sqlite_writer is not None else nullcontext()

    @contextmanager
    def single_reads(self) -> Iterator[Connection]:
        """A connection for a lone cheap read on a hot path: on PostgreSQL each statement runs
        on its own (autocommit), so there is no BEGIN and ROLLBACK round trip around it. Use it
        only where no consistent snapshot across statements is needed."""
        with self.engine.connect() as conn:
            if not self.is_sqlite:
                conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
