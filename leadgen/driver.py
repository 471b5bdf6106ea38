"""Statements straight to the database driver, for the request path's few hot statements.

Through SQLAlchemy's execute, a statement of 40-80 µs cost 300-530 µs of Python on this
project's bench machine (docs/performance.md, fourth round), and inside a write transaction
that time holds SQLite's write lock. These send the statement SQLAlchemy would send, with the
columns' defaults and type conversions, and raise SQLAlchemy's exceptions, so the 503 page and
the callers' handlers see what SQLAlchemy's own execute would raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Compiled, Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import Insert, Select


def first_row(engine: Engine, statement: Select, params: dict) -> tuple | None:
    """The first row of one read statement, on a pooled driver connection, in no transaction.

    For a read on every request of plain values (integers and strings, which no type
    translates): no SQLAlchemy Connection, execution context or result object, which cost ten
    times the read itself. SQLite reads one statement from one snapshot without a BEGIN (the
    driver is in autocommit, see database._on_connect); PostgreSQL reads it in autocommit, so
    no BEGIN and no ROLLBACK cross the wire.
    """
    compiled = _compiled(statement, engine.dialect)
    values = compiled.construct_params(params)  # the caller's, and the statement's own literals
    if compiled.positional:
        values = [values[name] for name in compiled.positiontup]
    with as_sqlalchemy_errors(engine.dialect, compiled.string, values):
        row = _fetch_first(engine, compiled.string, values)
    return None if row is None else tuple(row)


@contextmanager
def as_sqlalchemy_errors(dialect: Dialect, sql: str | None, values) -> Iterator[None]:
    """Raise a driver's error as SQLAlchemy's own calls would (IntegrityError, OperationalError
    ...), so the 503 page and the callers' handlers meet the same exceptions."""
    driver_error = dialect.loaded_dbapi.Error
    try:
        yield
    except driver_error as error:
        raise DBAPIError.instance(sql, values, error, driver_error) from error


def _fetch_first(engine: Engine, sql: str, values) -> tuple | None:
    with lent(engine, autocommit=engine.dialect.name == "postgresql") as pooled:
        cursor = pooled.connection.cursor()
        cursor.execute(sql, values)
        row = cursor.fetchone()
        cursor.close()
    return row


@lru_cache(maxsize=32)
def _compiled(statement: Select, dialect: Dialect) -> Compiled:
    return statement.compile(dialect=dialect)


@dataclass(frozen=True)
class Pooled:
    """A pooled driver connection lent without a SQLAlchemy Connection; `insert` and
    `fetch_one` run on it as on a Connection: the same driver cursor, the dialect, and the
    engine's before/after_cursor_execute listeners (which get this in place of a Connection).
    Making a Connection and checking it in again cost the new lead's statement 25-50 of its
    140-180 microseconds of client CPU (docs/performance.md, thirteenth round)."""

    connection: PoolProxiedConnection
    dialect: Dialect
    dispatch: Any  # the engine's events


@contextmanager
def lent(engine: Engine, autocommit: bool) -> Iterator[Pooled]:
    """A pooled driver connection for a few statements; with `autocommit` (PostgreSQL), its
    driver commits each statement itself, and it goes back to the pool running transactions
    again. After any error the pool gets a fresh connection instead."""
    with as_sqlalchemy_errors(engine.dialect, None, None):  # as engine.connect() raises them
        pooled = engine.raw_connection()
    driver = pooled.driver_connection
    try:
        if autocommit:
            driver.autocommit = True
        try:
            yield Pooled(pooled, engine.dialect, engine.dispatch)
        except (DBAPIError, engine.dialect.loaded_dbapi.Error):
            pooled.invalidate()
            raise
        finally:
            if autocommit and not driver.closed:
                driver.autocommit = False
    finally:
        pooled.close()


def autocommit(engine: Engine) -> AbstractContextManager[Pooled]:
    """A pooled connection whose driver commits each statement itself (PostgreSQL): for one
    statement that is a whole write, with no BEGIN and no COMMIT on the wire. Run statements on
    it with `insert` and `fetch_one` only."""
    return lent(engine, autocommit=True)


def insert(connection: Connection | Pooled, statement: Insert, rows: dict | list[dict]) -> list:
    """Run an INSERT on the driver's cursor, in `connection`'s transaction; its RETURNING rows.

    The same statement as `connection.execute(statement, rows)` sends, with the columns' own
    defaults and type conversions (dates as SQLite stores them, JSON), without SQLAlchemy's
    execution context and result objects: inside a write transaction those cost the write lock
    three times what the statements do. A list of rows is sent as one executemany (and returns
    nothing). Driver errors come as SQLAlchemy's exceptions (IntegrityError, OperationalError),
    and the engine's before/after_cursor_execute listeners see the statement (with no
    execution context), so tracing and the tests' fault injection see it too.
    """
    many = isinstance(rows, list)
    first = rows[0] if many else rows
    prepared = _prepared_insert(statement, connection.dialect, tuple(sorted(first)))
    values = [prepared.values(row) for row in rows] if many else prepared.values(rows)
    return _run(connection, prepared.sql, values, many, fetch=prepared.returns and not many)


def fetch_one(connection: Connection | Pooled, sql: str, values: dict | tuple) -> tuple:
    """Run one statement (SQL in the driver's parameter style) as `insert` does; its first row."""
    return _run(connection, sql, values, many=False, fetch=True)[0]


def _run(connection: Connection | Pooled, sql: str, values, many: bool, fetch: bool) -> list:
    cursor = connection.connection.cursor()
    try:
        with as_sqlalchemy_errors(connection.dialect, sql, values):
            for listener in connection.dispatch.before_cursor_execute:
                sql, values = listener(connection, cursor, sql, values, None, many)
            if many:
                cursor.executemany(sql, values)
            else:
                cursor.execute(sql, values)
            returned = cursor.fetchall() if fetch else []
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, sql, values, None, many)
        return returned
    finally:
        cursor.close()


@dataclass(frozen=True)
class _PreparedInsert:
    sql: str
    returns: bool
    names: tuple[str, ...] | None  # bind names in order, for a positional driver (SQLite)
    defaults: dict[str, Callable[[], object]]  # column key -> its default, for keys not given
    convert: dict[str, Callable]  # bind name -> the type's conversion for the driver

    def values(self, row: dict) -> dict | list:
        given = dict(row)
        for key, make in self.defaults.items():
            given[key] = make()
        for name, convert in self.convert.items():
            given[name] = convert(given[name])
        return given if self.names is None else [given[name] for name in self.names]


def python_defaults(table: Table, keys: tuple[str, ...]) -> dict[str, Callable[[], object]]:
    """Column key -> a maker of its default value, for `table`'s columns not in `keys`."""
    defaults = {}
    for column in table.columns:
        default = column.default
        if column.key in keys or default is None:
            continue
        if default.is_scalar:
            defaults[column.key] = lambda value=default.arg: value
        elif default.is_callable:
            defaults[column.key] = lambda make=default.arg: make(None)
        else:  # a SQL expression or sequence: leave it to SQLAlchemy's own execute
            raise ValueError(f"driver.insert cannot evaluate the default of {column}")
    return defaults


def bind_converters(compiled: Compiled, dialect: Dialect) -> dict[str, Callable]:
    """Bind name -> its type's conversion for the driver (JSON; dates on SQLite), if any."""
    convert = {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            convert[name] = processor
    return convert


@lru_cache(maxsize=64)
def _prepared_insert(statement: Insert, dialect: Dialect, keys: tuple[str, ...]) -> _PreparedInsert:
    defaults = python_defaults(statement.table, keys)
    compiled = statement.compile(dialect=dialect, column_keys=[*keys, *defaults])
    convert = bind_converters(compiled, dialect)
    names = tuple(compiled.positiontup) if compiled.positional else None
    returns = bool(getattr(compiled, "effective_returning", None) or compiled.returning)
    return _PreparedInsert(compiled.string, returns, names, defaults, convert)
