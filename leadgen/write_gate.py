"""One SQLite writer per process at a time: threads queue on a lock instead of polling SQLite's.

SQLite's busy handler polls the write lock with growing sleeps (up to 100 ms), which is not a
queue: with a dozen threads asking at once, an unlucky one keeps missing it and waits seconds.
A process-wide lock taken before BEGIN IMMEDIATE hands the turn to the next thread as soon as the
last one ends its transaction; SQLite's lock then only sorts out the few processes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

HELD = "leadgen_write_gate"  # in the pooled connection's info while it holds the gate


def install(engine: Engine, wait_seconds: Callable[[], float]) -> None:
    """Gate every write transaction of `engine`; register before the listener that sends BEGIN."""
    gate = threading.Lock()

    @event.listens_for(engine, "begin")
    def _enter(connection: Connection) -> None:
        if connection.get_execution_options().get("leadgen_read"):
            return
        if not gate.acquire(timeout=wait_seconds()):
            locked = sqlite3.OperationalError("database is locked (write queue)")
            raise OperationalError("BEGIN IMMEDIATE", None, locked)
        connection.info[HELD] = True

    def _leave(connection: Connection) -> None:
        if connection.info.pop(HELD, False):
            gate.release()

    event.listen(engine, "commit", _leave)
    event.listen(engine, "rollback", _leave)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        # However a transaction ended (a failed BEGIN, an invalidated connection), the gate
        # opens again at the latest when its connection goes back to the pool.
        if record is not None and record.info.pop(HELD, False):
            gate.release()
