"""Where personal copies live on disk: one set per lead, found again by the lead's secret."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def _owner_key(owner: str) -> str:
    # A digest, so the file names do not show the secret that the lead's links carry.
    return hashlib.blake2b(owner.encode(), digest_size=16, person=b"leadgen.owner").hexdigest()


def copy_name(owner: str, name: str) -> str:
    """The file name of lead `owner`'s copy with `name` (as printed) on the cover.

    The name part changes when the lead's name does, and is keyed by the owner's secret, so a
    name cannot be confirmed by hashing guesses, and two people of one name share nothing.
    """
    named = hashlib.blake2b(
        name.encode(), digest_size=8, key=owner.encode()[:64], person=b"leadgen.name"
    )
    return f"{_owner_key(owner)}-{named.hexdigest()}.pdf"


def _owner_of(path: Path) -> str:
    return path.name.removesuffix(".pdf").split("-", 1)[0]


def remove_copies(owners: Iterable[str], cache_dir: Path) -> int:
    """Delete every copy made for these owners, in every content version; return how many.

    One pass over the copies however many owners: a purge may remove thousands of leads.
    """
    doomed = {_owner_key(owner) for owner in owners}
    removed = 0
    for path in (Path(cache_dir) / "copies").glob("*/*.pdf"):
        if _owner_of(path) in doomed:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def remove_copies_except(owners: set[str], cache_dir: Path, older_than: float) -> int:
    """Delete every copy that belongs to none of `owners` and was made before `older_than`.

    Catches copies of leads already gone (also those named after the name alone, before
    copies were kept per lead) without racing a copy being made for a lead newer than `owners`.
    """
    keep = {_owner_key(owner) for owner in owners}
    removed = 0
    for path in (Path(cache_dir) / "copies").glob("*/*.pdf"):
        if _owner_of(path) in keep:
            continue
        try:
            if path.stat().st_mtime < older_than:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
