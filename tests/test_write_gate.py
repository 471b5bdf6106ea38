"""SQLite's writers queue between processes on a file lock beside the database."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from leadgen import write_gate


def test_one_holder_at_a_time_and_the_next_gets_it_on_release(tmp_path):
    path = str(tmp_path / "leadgen.db-writers")
    first, second = write_gate.FileGate(path), write_gate.FileGate(path)
    assert first.acquire(0.1)
    assert not second.acquire(0.05)  # another open file of the lock: another process
    first.release()
    assert second.acquire(0.05)
    second.release()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_does_not_share_its_parents_lock(tmp_path):
    """gunicorn forks workers from a master that may have opened the file: flock is per file."""
    gate = write_gate.FileGate(str(tmp_path / "leadgen.db-writers"))
    assert gate.acquire(0.1)  # the file is opened in this process before the fork
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    child = context.Process(target=_shared_gate_in_child, args=(gate, answer))
    child.start()
    child.join(10)
    assert answer.get(timeout=5) is False  # the child opened its own file and found it held
    gate.release()
    other = context.Process(target=_shared_gate_in_child, args=(gate, answer))
    other.start()
    other.join(10)
    assert answer.get(timeout=5) is True


def _shared_gate_in_child(gate: write_gate.FileGate, answer) -> None:
    answer.put(gate.acquire(0.05))


def test_an_engine_waits_for_the_file_lock_and_says_locked_when_it_stays_held(tmp_path):
    database = tmp_path / "leadgen.db"
    engine = create_engine(f"sqlite:///{database}")
    write_gate.install(engine, lambda: 0.05)
    other = write_gate.FileGate(write_gate.lock_path(str(database)))
    assert other.acquire(0.1)  # another process is writing
    with pytest.raises(OperationalError, match="write queue"), engine.begin() as connection:
        connection.execute(text("SELECT 1"))
    other.release()
    with engine.begin() as connection:  # and the thread gate was opened again
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_no_file_for_a_database_in_memory():
    assert write_gate.lock_path(":memory:") is None
    assert write_gate.lock_path(None) is None
    assert write_gate.lock_path("/srv/leadgen/instance/leadgen.db") == (
        "/srv/leadgen/instance/leadgen.db-writers"
    )
