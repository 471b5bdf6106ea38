"""One SQLite writer per process at a time: threads queue on a lock instead of polling SQLite's.

SQLite's busy handler polls the write lock with growing sleeps (up to 100 ms), which is not a
queue: with a dozen threads asking at once, an unlucky one keeps missing it and waits seconds.
A process-wide lock taken before BEGIN IMMEDIATE hands the turn to the next thread as soon as the
last one ends its transaction; SQLite's lock then only sorts out the few processes.

The gate opens once the driver's COMMIT or ROLLBACK has returned, not when SQLAlchemy announces
it: opened earlier, the next thread's BEGIN IMMEDIATE meets SQLite's lock still held by the
commit's fsync and sleeps in the busy handler (1, 2, 5 ms ...) while the lock soon lies free.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

HELD = "leadgen_write_gate"  # in the pooled connection's info while it holds the gate

_gates: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def gate_of(engine: Engine) -> threading.Lock:
    """The gate of `engine` (for tests and diagnostics)."""
    return _gates[engine]


def install(engine: Engine, wait_seconds: Callable[[], float]) -> None:
    """Gate every write transaction of `engine`; register before the listener that sends BEGIN."""
    gate = _gates[engine] = threading.Lock()

    @event.listens_for(engine, "begin")
    def _enter(connection: Connection) -> None:
        if connection.get_execution_options().get("leadgen_read"):
            return
        if not gate.acquire(timeout=wait_seconds()):
            locked = sqlite3.OperationalError("database is locked (write queue)")
            raise OperationalError("BEGIN IMMEDIATE", None, locked)
        connection.info[HELD] = True

    def _leave(info: dict | None) -> None:
        if info is not None and info.pop(HELD, False):
            gate.release()

    # The dialect's commit and rollback receive the pooled connection, whose info is the one
    # the "begin" listener marked; the pool's reset on return goes through them too.
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection) -> None:
        try:
            commit(dbapi_connection)
        finally:
            _leave(_info(dbapi_connection))

    def do_rollback(dbapi_connection) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            _leave(_info(dbapi_connection))

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        # However a transaction ended (a failed BEGIN, an invalidated connection), the gate
        # opens again at the latest when its connection goes back to the pool.
        if record is not None:
            _leave(record.info)


def _info(pooled) -> dict | None:
    """The pooled connection's info; None for the bare one the dialect first connects with."""
    try:
        return pooled.info
    except (AttributeError, NotImplementedError):
        return None
