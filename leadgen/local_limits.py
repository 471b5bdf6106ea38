"""Rate-limit counters kept in this process, for a machine without Redis.

The `limits` package's memory storage starts a timer thread to expire its counters whenever the
previous one has run out, which on a worker serving a request every few milliseconds means a new
thread for nearly every limited request (measured: about a third of a submission's limit cost,
docs/performance.md). These counters do the same fixed-window counting and drop expired keys on
the way, at most once a minute, in the request that passes by. Registered as
`leadgen-memory://` and used when LEADGEN_REDIS_URL is empty; as with any in-process storage,
each gunicorn worker counts for itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from limits.storage import Storage


class LocalCounts(Storage):
    """Fixed-window counters in a dict: key -> (count, moment the window ends)."""

    STORAGE_SCHEME = ["leadgen-memory"]  # noqa: RUF012 -- the `limits` registry reads a list
    SWEEP_SECONDS = 60.0
    clock: Callable[[], float] = staticmethod(time.time)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0  # the first count sweeps (nothing) and sets the next

    @property
    def base_exceptions(self) -> type[Exception]:
        return RuntimeError  # nothing here fails the way a server does

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self.clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            count, ends = self._counts.get(key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + expiry
            count += amount
            self._counts[key] = (count, ends)
            return count

    def get(self, key: str) -> int:
        count, ends = self._counts.get(key, (0, 0.0))
        return count if ends > self.clock() else 0

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        _count, ends = self._counts.get(key, (0, now))
        return max(ends, now)

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            cleared = len(self._counts)
            self._counts.clear()
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def _sweep(self, now: float) -> None:
        for key in [key for key, (_count, ends) in self._counts.items() if ends <= now]:
            del self._counts[key]
        self._next_sweep = now + self.SWEEP_SECONDS
