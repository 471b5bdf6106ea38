"""The in-process rate-limit counters: fixed windows, expiry on the way, no timer thread."""

from __future__ import annotations

import threading

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from leadgen import create_app
from leadgen.extensions import db, limiter
from leadgen.local_limits import LocalCounts
from tests.conftest import base_config


def _counts_at(now: list[float]) -> LocalCounts:
    counts = storage_from_string("leadgen-memory://")
    assert isinstance(counts, LocalCounts)
    counts.clock = lambda: now[0]
    return counts


def test_a_window_allows_its_limit_then_refuses_until_it_ends():
    now = [1000.0]
    limiter = FixedWindowRateLimiter(_counts_at(now))
    five = parse("5 per minute")
    assert [limiter.hit(five, "anna") for _ in range(6)] == [True] * 5 + [False]
    assert limiter.hit(five, "bert")  # another key has its own window
    now[0] += 59.9
    assert not limiter.hit(five, "anna")
    now[0] += 0.2
    assert limiter.hit(five, "anna")  # a new window


def test_expired_keys_are_dropped_on_the_way_without_a_thread():
    now = [1000.0]
    counts = _counts_at(now)
    threads = threading.active_count()
    for n in range(100):
        counts.incr(f"key-{n}", 10)
    assert counts.get("key-1") == 1 and counts.get_expiry("key-1") == 1010.0
    now[0] += LocalCounts.SWEEP_SECONDS + 1
    assert counts.get("key-1") == 0  # expired, though not swept yet
    counts.incr("fresh", 10)  # the sweep runs here
    assert counts.reset() == 1
    assert threading.active_count() == threads


def test_the_app_counts_in_this_storage_without_redis(tmp_path):
    config = base_config(f"sqlite:///{tmp_path / 'limits.db'}", str(tmp_path))
    del config["RATELIMIT_STORAGE_URI"]  # so LEADGEN_REDIS_URL decides
    app = create_app(config | {"LEADGEN_REDIS_URL": ""})
    with app.app_context():
        assert isinstance(limiter.storage, LocalCounts)
        db.engine.dispose()
