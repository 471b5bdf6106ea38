"""Group commit: the inserts of concurrent requests of one process, in one transaction.

Under load, a submission's write transaction lasts far longer than its statements: between two
statements its thread waits for the GIL and for a CPU, and on SQLite every other writer waits for
it (measured under `make bench`: 4-6 ms held for 1 ms of work, docs/performance.md). So each
process has one writer thread. A request hands it a function of a connection and waits; the
writer takes every request waiting, runs their functions in one transaction and commits once,
then answers each. Every request still gets its answer only after its rows are committed (a 303
is never sent for a lead that is not stored); a batch pays for one BEGIN, one fsync and one turn
of the write lock.

When a batch fails, each of its requests is tried again in a transaction of its own, so one bad
request (a constraint it breaks) fails alone. A request that waits too long gets the error a
locked database gives (the 503 page); its rows may still be committed after.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy.engine import Connection

from leadgen import database, write_gate
from leadgen.extensions import db

MAX_BATCH = 32  # requests in one transaction; a process has a few dozen threads at most


@dataclass
class _Job:
    work: Callable[[Connection], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class Writer:
    """The process's writer thread, started on first use after a fork."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()

    def run(self, work: Callable[[Connection], Any], wait_seconds: float) -> Any:
        """Run `work(connection)` in the next batch's transaction; its result once committed."""
        self._start()
        job = _Job(work)
        self._queue.put(job)
        if not job.done.wait(wait_seconds):
            raise write_gate.locked()
        if job.error is not None:
            raise job.error
        return job.result

    def stop(self) -> None:
        """End the writer thread once the requests queued before are written."""
        if self._pid == os.getpid():
            self._queue.put(None)
            self._pid = None

    def _start(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():  # a new process: the parent's thread did not come along
                self._queue = queue.SimpleQueue()
                thread = threading.Thread(target=self._loop, name="leadgen-writer", daemon=True)
                thread.start()
                self._pid = os.getpid()

    def _loop(self) -> None:
        database.serve_requests()  # wait for locks as briefly as a request does
        with self.app.app_context():
            while True:
                batch, stopping = [self._queue.get()], False
                while len(batch) < MAX_BATCH:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if None in batch:
                    stopping = True
                    batch = [job for job in batch if job is not None]
                if batch:
                    self._write(batch)  # type: ignore[arg-type]
                db.session.remove()
                if stopping:
                    return

    def _write(self, batch: list[_Job]) -> None:
        try:
            with db.engine.connect() as connection, connection.begin():
                results = [job.work(connection) for job in batch]
        except Exception as error:
            if len(batch) > 1:
                for job in batch:  # one at a time: only the one that breaks fails
                    self._write([job])
                return
            batch[0].error = error
            batch[0].done.set()
            return
        for job, result in zip(batch, results, strict=True):
            job.result = result
            job.done.set()


def writer() -> Writer:
    """The current app's writer."""
    return current_app.extensions["leadgen.writer"]


def init_app(app: Flask) -> None:
    app.extensions["leadgen.writer"] = Writer(app)
