"""bench/pieces.py's parts, the code valgrind counts, run as plain Python on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_part_runs_and_each_submission_is_stored(tmp_path):
    env = os.environ | {
        "LEADGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'leadgen.db'}",
        "BENCH_DB": str(tmp_path / "bare.db"),
        "BENCH_FILE": os.devnull,
        "PIECES_TMP": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(  # noqa: S603 -- our own script
        [sys.executable, str(ROOT / "bench" / "pieces.py"), "--inner", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # A submission that is not answered with a 303 stops the run with a message.
    assert done.returncode == 0, done.stderr[-2000:]
    ran = done.stdout.splitlines()
    assert ran[0] == "submission (whole request)"
    assert "request recorded (record_request)" in ran
    assert len(ran) == 18  # SQLite: all but the two parts of PostgreSQL
