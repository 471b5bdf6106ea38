"""Atomic writes: a reader sees the old file or the new one, and no temporary file stays."""

from __future__ import annotations

import pytest

from leadgen.files import write_atomic


@pytest.mark.parametrize("durable", [False, True])
def test_write_replaces_the_file_and_leaves_nothing_else(tmp_path, durable):
    path = tmp_path / "sub" / "copy.pdf"
    write_atomic(path, b"old", durable=durable)
    write_atomic(path, b"new", durable=durable)
    assert path.read_bytes() == b"new"
    assert [p.name for p in path.parent.iterdir()] == ["copy.pdf"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path):
    path = tmp_path / "copy.pdf"
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["copy.pdf"]
