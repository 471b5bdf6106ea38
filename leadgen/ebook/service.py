"""App-bound access to the guide: practice from the config, cache in the instance folder."""

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from flask import current_app

from leadgen.ebook import copies
from leadgen.ebook.render import BuildResult, Practice, build_body, copy_path, personal_copy


def practice() -> Practice:
    """Return the practice as configured."""
    return Practice.from_config(current_app.config)


def cache_dir() -> Path:
    """Return the folder that holds built bodies and personal copies."""
    return _cache_dir(current_app.instance_path)


@lru_cache(maxsize=8)
def _cache_dir(instance_path: str) -> Path:
    return Path(instance_path) / "ebook"


def build() -> BuildResult:
    """Build the shared body for the current settings, or return the cached one."""
    return build_body(practice(), cache_dir())


def copy_for(owner: str, name: str) -> Path:
    """Return the path of lead `owner`'s personal copy for ``name``, making it when needed."""
    return personal_copy(name, owner, practice(), cache_dir())


def made_copy(owner: str, name: str) -> Path:
    """Return where lead `owner`'s copy for ``name`` lives, without making it (it may not exist)."""
    return copy_path(name, owner, practice(), cache_dir())


def remove_copies(owners: Iterable[str]) -> int:
    """Delete every personal copy made for these leads (by secret); return how many."""
    return copies.remove_copies(owners, cache_dir())


def remove_copies_except(owners: set[str], older_than: float) -> int:
    """Delete the copies of every lead not in `owners` made before `older_than` (a timestamp)."""
    return copies.remove_copies_except(owners, cache_dir(), older_than)
