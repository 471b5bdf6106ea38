"""One SQLite writer at a time, in a queue that hands the turn on at once, not after a sleep.

SQLite's busy handler polls the write lock with growing sleeps (1, 2, 5, 10 … up to 100 ms),
which is not a queue: with a dozen writers asking at once, an unlucky one keeps missing the lock
and waits a second, and the lock stands idle while its waiters sleep. Two gates go before
BEGIN IMMEDIATE instead. In a process, a thread lock: the next thread gets the turn as soon as
the last one ends its transaction. Between processes (gunicorn's workers, the mail worker, the
CLI), an flock on a file beside the database, tried in steps of at most 2 ms: the next process
gets it within 2 ms of its release. SQLite's own lock then finds no contention among leadgen's
writers and stays the guard against any other program.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

HELD = "leadgen_write_gate"  # in the pooled connection's info while it holds the gate
FIRST_PAUSE, LONGEST_PAUSE = 0.0002, 0.002  # seconds between two tries of the file lock


class FileGate:
    """An exclusive flock on `path`, tried until a deadline; one open file per process.

    flock belongs to an open file, which a fork shares: each process opens its own, so two
    workers forked from one master never hold the lock at once by sharing the master's.
    Only the thread holding the process's thread gate uses it.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid: int | None = None

    def _file(self) -> int:
        if self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        assert self._fd is not None
        return self._fd

    def acquire(self, seconds: float) -> bool:
        fd, deadline, pause = self._file(), time.monotonic() + seconds, FIRST_PAUSE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)


def lock_path(database: str | None) -> str | None:
    """The file the processes queue on, beside an SQLite database file; None in memory."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writers"


def install(engine: Engine, wait_seconds: Callable[[], float]) -> None:
    """Gate every write transaction of `engine`; register before the listener that sends BEGIN."""
    gate = threading.Lock()
    path = lock_path(engine.url.database)
    files = FileGate(path) if path else None

    @event.listens_for(engine, "begin")
    def _enter(connection: Connection) -> None:
        if connection.get_execution_options().get("leadgen_read"):
            return
        seconds = wait_seconds()
        start = time.monotonic()
        if not gate.acquire(timeout=seconds):
            raise locked()
        if files is not None and not files.acquire(seconds - (time.monotonic() - start)):
            gate.release()
            raise locked()
        connection.info[HELD] = True

    def _open(info: dict) -> None:
        if info.pop(HELD, False):
            if files is not None:
                files.release()
            gate.release()

    event.listen(engine, "commit", lambda connection: _open(connection.info))
    event.listen(engine, "rollback", lambda connection: _open(connection.info))

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        # However a transaction ended (a failed BEGIN, an invalidated connection), the gates
        # open again at the latest when its connection goes back to the pool.
        if record is not None:
            _open(record.info)


def locked() -> OperationalError:
    """The error a write that waited too long gets: the same as SQLite's own (the 503 page)."""
    return OperationalError(
        "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked (write queue)")
    )
