"""Sums kept in this process for a few seconds and written in the background.

Some counts are not worth a write transaction in the request that makes them: a download of the
e-book, a view of the embedded form. A request adds to a sum in memory (microseconds, no lock on
the database); a thread of the process writes the sums every few seconds in one short
transaction, and the process writes what is left when it exits. What a crash (SIGKILL, power
cut) loses: the sums of that process since its last write; what a failed write (a locked or
unreachable database) loses: nothing, the sums wait for the next try. Bounded: past `max_keys`
different keys a process counts no more until it has written (docs/performance.md).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Callable, Hashable

from flask import Flask

log = logging.getLogger(__name__)

Write = Callable[[dict], None]  # writes {key: sum} in the app context, commits, or raises


class Tally:
    """The sums one app counted under one name in this process, and their writer."""

    def __init__(self, app: Flask, name: str, write: Write, interval: float, max_keys: int):
        self._app = weakref.ref(app)  # a tally never keeps a finished app alive
        self.name, self._write, self.interval, self.max_keys = name, write, interval, max_keys
        self._reset()

    def _reset(self) -> None:
        """Start empty: in a forked child, the parent's sums and threads are the parent's."""
        self._lock = threading.Lock()
        self._pending: dict = {}
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def add(self, key: Hashable, amount: int = 1) -> bool:
        """Count `amount` for `key`; False when the process holds too many keys already."""
        with self._lock:
            if key not in self._pending and len(self._pending) >= self.max_keys:
                self.dropped += 1
                return False
            self._pending[key] = self._pending.get(key, 0) + amount
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name=f"leadgen-{self.name}", daemon=True
                )
                self._thread.start()
        return True

    def pending(self) -> int:
        with self._lock:
            return sum(self._pending.values())

    def flush(self) -> int:
        """Write the sums now; keep them for the next try if that fails. How many were written."""
        with self._lock:
            batch, self._pending = self._pending, {}
        app = self._app()
        if not batch or app is None:
            return 0
        try:
            with app.app_context():
                self._write(batch)
        except Exception:  # locked, down, or anything else: try later
            self._put_back(batch)
            log.warning("%s: %s counts not written yet; will retry", self.name, sum(batch.values()))
            return 0
        return sum(batch.values())

    def _put_back(self, batch: dict) -> None:
        with self._lock:
            for key, amount in batch.items():
                if key in self._pending or len(self._pending) < self.max_keys:
                    self._pending[key] = self._pending.get(key, 0) + amount

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.interval):
            if self._app() is None:
                return
            self.flush()


_tallies: weakref.WeakSet[Tally] = weakref.WeakSet()
_made = threading.Lock()
_hooked = False


def tally_for(app: Flask, name: str, write: Write, interval: float, max_keys: int) -> Tally:
    """The app's tally called `name`, made on first use (with the process's exit and fork hooks)."""
    key = f"leadgen.tally.{name}"
    tally = app.extensions.get(key)
    if tally is None:
        with _made:
            tally = app.extensions.get(key)
            if tally is None:
                _install_process_hooks()
                tally = app.extensions[key] = Tally(app, name, write, interval, max_keys)
                _tallies.add(tally)
    return tally


def flush_all() -> int:
    """Write every tally's sums (at exit: a worker restarting or stopping loses none)."""
    return sum(tally.flush() for tally in list(_tallies))


def _install_process_hooks() -> None:
    global _hooked  # once per process, however many apps it makes
    if _hooked:
        return
    _hooked = True
    atexit.register(flush_all)
    os.register_at_fork(after_in_child=_forget_after_fork)


def _forget_after_fork() -> None:
    for tally in list(_tallies):
        tally._reset()
