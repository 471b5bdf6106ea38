"""bench/instructions.py's request loop, the part valgrind counts, runs each route it offers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("route", ["submission", "bare", "floor", "stack"])
def test_the_counted_loop_posts_valid_requests(tmp_path, route):
    env = os.environ | {
        "LEADGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'leadgen.db'}",
        "BENCH_DB": str(tmp_path / "bare.db"),
        "BENCH_FILE": os.devnull,
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(  # noqa: S603 -- our own script
        [sys.executable, str(ROOT / "bench" / "instructions.py"), "--inner", "2", "--route", route],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # The loop stops with a message at the first answer that is not a 303.
    assert done.returncode == 0, done.stderr[-2000:]
