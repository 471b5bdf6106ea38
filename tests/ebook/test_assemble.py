"""The assembled copy is a well-formed PDF that poppler, MuPDF and qpdf all read, tags intact."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
import pytest

from leadgen.ebook import assemble as assemble_module
from leadgen.ebook.assemble import assemble
from leadgen.ebook.render import render_cover_pdf

from .conftest import PRACTICE, needs
from .test_render import flat

NAME = "Anna de Vries"


@pytest.fixture(scope="module")
def copy_path(body, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("assembled") / "copy.pdf"
    path.write_bytes(assemble(render_cover_pdf(NAME, PRACTICE), body.path))
    return path


@pytest.fixture(scope="module")
def copy(copy_path):
    with pikepdf.open(copy_path) as pdf:
        yield pdf


@pytest.fixture(scope="module")
def original(body):
    with pikepdf.open(body.path) as pdf:
        yield pdf


def run(*command: str) -> subprocess.CompletedProcess:
    # fixed arguments: a tool found on PATH and a file this test wrote
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603


def test_qpdf_finds_no_errors_and_no_warnings(copy_path):
    result = run(needs("qpdf"), "--check", str(copy_path))
    output = result.stdout + result.stderr
    # qpdf exits 2 on errors and 3 on warnings; the text says which
    assert result.returncode == 0, output
    assert "WARNING" not in output.upper()
    assert "No syntax or stream encoding errors found" in output


def test_poppler_reads_the_name_on_the_cover(copy_path):
    result = run(needs("pdftotext"), "-f", "1", "-l", "1", str(copy_path), "-")
    assert result.returncode == 0, result.stderr
    assert "Persoonlijk exemplaar voor" in flat(result.stdout)
    assert NAME in flat(result.stdout)


def test_mupdf_reads_the_name_on_the_cover(copy_path):
    # MuPDF is what many phone viewers use; it showed an empty cover for the hand-made file.
    result = run(needs("mutool"), "draw", "-q", "-F", "txt", "-o", "-", str(copy_path), "1")
    assert result.returncode == 0, result.stderr
    assert "Persoonlijk exemplaar voor" in flat(result.stdout)
    assert NAME in flat(result.stdout)
    assert "error" not in result.stderr


def test_cover_comes_first_and_labels_match_the_printed_numbers(copy, original):
    assert len(copy.pages) == len(original.pages) + 1
    labels = pikepdf.NumberTree(copy.Root.PageLabels)
    assert str(labels[0].P) == "Omslag"
    assert labels[1].S == pikepdf.Name.D
    assert "/St" not in labels[1] or labels[1].St == 1


def test_catalog_keeps_tags_language_outline_and_names(copy, original):
    root = copy.Root
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == "nl"
    assert "/StructTreeRoot" in root
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert sorted(root.Names.Dests.keys()) == sorted(original.Root.Names.Dests.keys())
    titles = [item.title for item in copy.open_outline().root]
    assert titles == [item.title for item in original.open_outline().root]


def test_metadata_title_author_and_pdfua_claim_are_kept(copy, original):
    assert copy.docinfo.Title == original.docinfo.Title
    assert copy.docinfo.Author == original.docinfo.Author
    meta, source = copy.open_metadata(), original.open_metadata()
    for key in ("dc:title", "dc:creator", "pdfuaid:part"):
        assert meta.get(key) == source.get(key), key
    assert meta.get("pdfuaid:part") == "1"


def test_cover_is_an_artifact_outside_the_structure_tree(copy):
    cover = copy.pages[0]
    assert "/StructParents" not in cover.obj
    assert "/Annots" not in cover.obj
    # one stream, so the marked-content sequence opens and closes inside it
    assert isinstance(cover.obj.Contents, pikepdf.Stream)
    content = cover.obj.Contents.read_bytes().strip()
    assert content.startswith(b"/Artifact BMC")
    assert content.endswith(b"EMC")


def test_body_pages_keep_their_struct_parents_and_links(copy, original):
    parent_tree = pikepdf.NumberTree(copy.Root.StructTreeRoot.ParentTree)
    for index, (page, source) in enumerate(zip(copy.pages[1:], original.pages, strict=True)):
        assert page.obj.get("/StructParents") == source.obj.get("/StructParents"), index
        if "/StructParents" in page.obj:
            for element in parent_tree[int(page.obj.StructParents)]:
                if isinstance(element, pikepdf.Dictionary) and "/Pg" in element:
                    assert element.Pg.objgen == page.obj.objgen, index
        links = page.obj.get("/Annots", [])
        assert len(links) == len(source.obj.get("/Annots", [])), index
        for link in links:
            assert int(link.StructParent) in parent_tree, index
    assert sum(len(p.obj.get("/Annots", [])) for p in copy.pages) > 0


def test_copies_after_one_another_each_carry_only_their_own_cover(body, tmp_path, monkeypatch):
    # A thread keeps the body open between copies (assemble._held_body) and opens it again
    # every REOPEN_AFTER copies: across that, each copy is the body and one cover, its own.
    monkeypatch.setattr(assemble_module, "REOPEN_AFTER", 2)
    names = ["Eerste Bezoeker", "Tweede Bezoeker", "Derde Bezoeker"]
    with pikepdf.open(body.path) as original:
        pages = len(original.pages)
    for name in names:
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(assemble(render_cover_pdf(name, PRACTICE), body.path))
        with pikepdf.open(path) as copy:
            assert len(copy.pages) == pages + 1, name
        cover = run(needs("pdftotext"), "-f", "1", "-l", "1", str(path), "-").stdout
        assert [other for other in names if other in flat(cover)] == [name]
        assert run(needs("qpdf"), "--check", str(path)).returncode == 0, name


def test_copies_made_at_once_in_threads_each_carry_their_own_cover(body, tmp_path):
    # The held body is the process's: copies from several threads take turns on it. Threads
    # are switched as often as Python allows, so that without the turns they would interleave.
    names = [f"Bezoeker {letter}" for letter in "ABCDEFGH"]
    covers = {name: render_cover_pdf(name, PRACTICE) for name in names}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            made = pool.map(lambda name: assemble(covers[name], body.path), names)
            copies = dict(zip(names, made, strict=True))
    finally:
        sys.setswitchinterval(interval)
    for name, data in copies.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        cover = flat(run(needs("pdftotext"), "-f", "1", "-l", "1", str(path), "-").stdout)
        assert [other for other in names if other in cover] == [name]
