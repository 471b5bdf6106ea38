"""Personal copies are kept per lead, named so that neither the name nor the secret shows."""

from __future__ import annotations

import hashlib
import os
import shutil
import time

from leadgen.ebook.copies import remove_copies, remove_copies_except
from leadgen.ebook.render import content_version, personal_copy

from .conftest import PRACTICE

ANNA, BERT = "a" * 32, "b" * 32


def test_two_people_of_one_name_get_copies_of_their_own(body, ebook_cache):
    anna = personal_copy("Sam de Boer", ANNA, PRACTICE, ebook_cache)
    bert = personal_copy("Sam de Boer", BERT, PRACTICE, ebook_cache)
    assert anna != bert
    assert anna.is_file() and bert.is_file()


def test_a_copys_file_name_shows_neither_the_name_nor_the_secret(body, ebook_cache):
    path = personal_copy("Sam de Boer", ANNA, PRACTICE, ebook_cache)
    plain = hashlib.sha256(b"Sam de Boer").hexdigest()
    assert plain[:8] not in path.name
    assert ANNA not in str(path) and "Sam" not in str(path)


def test_a_new_name_on_the_same_lead_gets_a_new_copy(body, ebook_cache):
    before = personal_copy("Sam de Boer", ANNA, PRACTICE, ebook_cache)
    after = personal_copy("Samuel de Boer", ANNA, PRACTICE, ebook_cache)
    assert before != after


def test_remove_copies_deletes_every_copy_of_one_owner_in_every_version(body, ebook_cache):
    owner = "c" * 32
    current = personal_copy("Sam de Boer", owner, PRACTICE, ebook_cache)
    renamed = personal_copy("Sam Visser", owner, PRACTICE, ebook_cache)
    older = ebook_cache / "copies" / "0ldversion" / current.name
    older.parent.mkdir(parents=True, exist_ok=True)
    older.write_bytes(current.read_bytes())
    other = personal_copy("Sam de Boer", "d" * 32, PRACTICE, ebook_cache)
    assert remove_copies([owner], ebook_cache) == 3
    assert not current.exists() and not renamed.exists() and not older.exists()
    assert other.is_file()


def test_copies_of_leads_gone_are_swept_but_fresh_ones_stay(body, tmp_path):
    ebook_cache = tmp_path  # a cache of its own: the sweep removes what it does not know
    shutil.copy(body.path, tmp_path / body.path.name)
    live, gone = "e" * 32, "f" * 32
    kept = personal_copy("Sam de Boer", live, PRACTICE, ebook_cache)
    orphan = personal_copy("Sam de Boer", gone, PRACTICE, ebook_cache)
    legacy = ebook_cache / "copies" / content_version(PRACTICE) / f"{'0' * 32}.pdf"
    legacy.write_bytes(b"%PDF- named after the name alone, before copies had an owner")
    for path in (kept, orphan, legacy):
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    fresh = personal_copy("Sam de Boer", "9" * 32, PRACTICE, ebook_cache)  # a lead new since
    removed = remove_copies_except({live}, ebook_cache, older_than=time.time() - 60)
    assert removed == 2
    assert kept.is_file() and fresh.is_file()
    assert not orphan.exists() and not legacy.exists()


def test_a_copy_asked_for_at_once_is_rendered_once(body, ebook_cache, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from leadgen.ebook import render

    covers: list[str] = []
    real = render.render_cover_pdf

    def counted(name, practice):
        covers.append(name)
        time.sleep(0.2)  # the others arrive while this one renders
        return real(name, practice)

    monkeypatch.setattr(render, "render_cover_pdf", counted)
    owner = "c" * 32
    with ThreadPoolExecutor(8) as pool:
        paths = set(
            pool.map(lambda _: personal_copy("Kim Jansen", owner, PRACTICE, ebook_cache), range(8))
        )
    assert covers == ["Kim Jansen"]
    assert len(paths) == 1 and paths.pop().is_file()
