"""The database engine: options per backend, and SQLite tuned so writers queue, not fail."""

from __future__ import annotations

import sqlite3
import time

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from leadgen import driver, write_gate

# How long to wait for SQLite's write lock. A visitor's request gives up soon and gets the 503
# page with Retry-After (a burst of submissions queues for milliseconds, not seconds), so a
# lock held by a migration or a purge cannot tie up every worker thread; the mail worker and
# the CLI, whom nobody waits for, wait longer rather than fail.
SQLITE_BUSY_MS_REQUEST = 3000
SQLITE_BUSY_MS_COMMAND = 15000
# Seconds to reach PostgreSQL: without it psycopg waits over two minutes on a host that drops
# packets, and every request would hang with it (libpq's minimum is 2).
PG_CONNECT_TIMEOUT = 5


def engine_options(url: str) -> dict:
    """SQLAlchemy's engine options for the database at `url`."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_MS_COMMAND / 1000}}
    # No pool_pre_ping: it costs a round trip on every checkout (leadgen/idle_ping.py).
    return {"connect_args": {"connect_timeout": PG_CONNECT_TIMEOUT}}


def busy_ms() -> int:
    """How long this thread may wait for the write lock: briefly in a request, long elsewhere."""
    return SQLITE_BUSY_MS_REQUEST if has_request_context() else SQLITE_BUSY_MS_COMMAND


def tune_sqlite(engine: Engine) -> None:
    """WAL, busy timeouts, foreign keys, secure delete, and BEGIN IMMEDIATE so writers queue.

    In WAL mode a deferred transaction that later writes fails at once with SQLITE_BUSY; taking
    the write lock up front makes it wait instead (docs/operations.md, "SQLite, and why these
    settings", and https://sqlite.org/wal.html).
    """
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "checkout", _on_checkout)
    write_gate.install(engine, lambda: busy_ms() / 1000)  # before the listener that sends BEGIN
    event.listen(engine, "begin", _on_begin)


def _on_connect(dbapi_connection: sqlite3.Connection, record) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS_COMMAND}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    record.info[BUSY_SET] = SQLITE_BUSY_MS_COMMAND
    record.info[SYNCHRONOUS_SET] = "FULL"
    # Deleted rows are overwritten with zeros, not left in free space (erasure, AVG art. 17).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


# What a pooled connection is set to, in its info: a PRAGMA is sent only to change it.
BUSY_SET, SYNCHRONOUS_SET = "leadgen_busy_ms", "leadgen_synchronous"


def _on_checkout(dbapi_connection: sqlite3.Connection, record, _proxy) -> None:
    wanted = busy_ms()
    if record.info.get(BUSY_SET) != wanted:
        dbapi_connection.execute(f"PRAGMA busy_timeout={wanted}")
        record.info[BUSY_SET] = wanted


# Execution option: a write that may be lost on a power cut (never on a crash of the app), such
# as a download count. SQLite commits it without waiting for the disk (WAL, synchronous=NORMAL);
# the next durable commit or checkpoint takes it to disk. Every write transaction sets its own
# level, so a lead's commit is always FULL.
RELAXED = "leadgen_relaxed"


def _on_begin(connection) -> None:
    options = connection.get_execution_options()
    if options.get("leadgen_read"):
        _send(connection, "BEGIN")
        return
    level = "NORMAL" if options.get(RELAXED) else "FULL"
    if connection.info.get(SYNCHRONOUS_SET) != level:
        _send(connection, f"PRAGMA synchronous={level}")
        connection.info[SYNCHRONOUS_SET] = level
    _begin_immediate(connection, busy_ms() / 1000)


# Between two tries for the write lock. SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20,
# 25 ... 100 ms between its tries (sqliteDefaultBusyCallback, https://sqlite.org/c3ref/busy_timeout.html
# says only "sleeps"; the delays are in main.c): a process asleep for 20 ms misses a lock that
# is held for 2 ms, and under a burst the machine idled while writers slept (docs/performance.md).
BEGIN_RETRY_SECONDS = 0.0005


def _begin_immediate(connection: Connection, patience: float) -> None:
    """BEGIN IMMEDIATE, tried again every half millisecond until `patience` (seconds) is over.

    Only one thread per process tries (the write gate); the others wait on the gate. SQLite's
    busy timeout is off during the tries and set back after, for the statements that rely on
    it (a checkpoint, a reader meeting a WAL recovery). A lock not had in time raises
    SQLAlchemy's OperationalError, as the busy timeout did.
    """
    sqlite_connection = connection.connection.driver_connection
    _send(connection, "PRAGMA busy_timeout=0")
    deadline = time.monotonic() + patience
    try:
        with driver.as_sqlalchemy_errors(connection.dialect, "BEGIN IMMEDIATE", ()):
            while True:
                try:
                    sqlite_connection.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if (
                        error.sqlite_errorcode != sqlite3.SQLITE_BUSY
                        or time.monotonic() >= deadline
                    ):
                        raise
                time.sleep(BEGIN_RETRY_SECONDS)
    finally:
        _send(
            connection,
            f"PRAGMA busy_timeout={connection.info.get(BUSY_SET, SQLITE_BUSY_MS_COMMAND)}",
        )


def _send(connection: Connection, sql: str) -> None:
    # Straight to the driver: through SQLAlchemy's execute, a BEGIN cost ten times its own
    # time, with the write lock already taken. Its errors (a lock not had in time) come as
    # SQLAlchemy's OperationalError all the same, so the visitor gets the 503 page.
    with driver.as_sqlalchemy_errors(connection.dialect, sql, ()):
        connection.connection.driver_connection.execute(sql)
