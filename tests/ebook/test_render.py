"""The shared body: structure, metadata, table of contents, bookmarks, settings and caching."""

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from pypdf import PdfReader

from leadgen.ebook.render import BuildResult, build_body, content_version

from .conftest import PRACTICE

CHAPTERS = [
    "Lage rugpijn",
    "De gluteus medius",
    "Wat het onderzoek laat zien",
    "Zo train je: vaak, zwaar en lang genoeg",
    "De oefeningen",
    "Het schema van twaalf weken",
    "Je trainingslogboek",
    "Wanneer hulp zoeken",
    "Over de schrijver",
    "Disclaimer",
]


def flat(text: str) -> str:
    return " ".join(text.split())


def page_text(reader: PdfReader, index: int) -> str:
    return flat(reader.pages[index].extract_text())


def toc_targets(reader: PdfReader, toc_index: int) -> list[int]:
    """Return the target page index of each link on the contents page, top to bottom."""
    links = [a.get_object() for a in reader.pages[toc_index].get("/Annots", [])]
    links.sort(key=lambda link: -float(link["/Rect"][1]))
    named = reader.named_destinations
    # a link is drawn as several boxes (text, leader, number): keep each target once
    targets = [str(link["/Dest"]) for link in links]
    return [reader.get_destination_page_number(named[t]) for t in dict.fromkeys(targets)]


def find_page(reader: PdfReader, needle: str) -> int:
    return next(i for i in range(len(reader.pages)) if needle in page_text(reader, i))


def test_body_builds_without_weasyprint_warnings(built):
    _, records = built
    assert [record.getMessage() for record in records] == []


def test_body_parses_with_the_designed_page_count(body, body_pdf):
    assert 26 <= body.pages <= 34
    assert len(body_pdf.pages) == body.pages
    assert body.bytes == body.path.stat().st_size
    assert body.path.read_bytes().startswith(b"%PDF-")


def test_metadata_title_author_keywords_and_language(body_pdf):
    meta = body_pdf.metadata
    assert meta.title.startswith("Sterke heupen, sterke rug")
    assert meta.author == "Sanne, Testpraktijk Zuiderzee"
    assert "gluteus medius" in meta["/Keywords"]
    assert body_pdf.trailer["/Root"]["/Lang"] == "nl"


def test_tagged_pdf(body_pdf):
    root = body_pdf.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


def test_bookmark_per_chapter_points_at_its_title(body_pdf):
    outline = [item for item in body_pdf.outline if not isinstance(item, list)]
    titles = [item.title for item in outline]
    assert titles == ["Inhoud", *CHAPTERS]
    for item in outline:
        assert item.title in page_text(body_pdf, body_pdf.get_destination_page_number(item))


def test_table_of_contents_links_and_page_numbers(body_pdf):
    toc = find_page(body_pdf, "Inhoud")
    text = page_text(body_pdf, toc)
    targets = toc_targets(body_pdf, toc)
    assert len(targets) == len(CHAPTERS)
    for title, target in zip(CHAPTERS, targets, strict=True):
        assert title in page_text(body_pdf, target), title
        # the printed number after the leader is the page's own printed number
        assert re.search(re.escape(title) + r"[ .]*" + str(target + 1) + r"\b", text), title


def test_chapter_pages_carry_page_numbers_and_running_header(body_pdf):
    page = find_page(body_pdf, "Het schema van twaalf weken Twaalf weken")
    text = page_text(body_pdf, page + 1)
    assert "HET SCHEMA VAN TWAALF WEKEN" in text.upper()
    assert str(page + 2) in text.split()


def test_practice_settings_come_from_configuration(body_pdf):
    text = " ".join(page_text(body_pdf, i) for i in range(len(body_pdf.pages)))
    for value in ("Testpraktijk Zuiderzee", "Sanne", "Enkhuizen", "0228 123 456"):
        assert value in text
    assert "praktijk.test/boeken" in text
    assert "Neuroreset" not in text
    assert "Hoorn" not in text


def test_at_least_eight_exercises_each_with_a_drawing(body_pdf):
    pages = [i for i in range(len(body_pdf.pages)) if "Lichter:" in page_text(body_pdf, i)]
    assert len(pages) >= 8
    for i in pages:
        text = page_text(body_pdf, i)
        assert "Zwaarder:" in text and "RPE" in text and "Start" in text


def test_second_build_comes_from_the_cache(body, ebook_cache):
    again = build_body(PRACTICE, ebook_cache)
    assert again.cached and again.path == body.path and again.pages == body.pages


def test_content_version_follows_the_settings():
    assert content_version(PRACTICE) == content_version(replace(PRACTICE))
    assert content_version(PRACTICE) != content_version(replace(PRACTICE, phone="0228 000 000"))


def test_a_missing_body_is_rendered_once_however_many_ask_at_once(tmp_path, caplog):
    callers = 3
    start = threading.Barrier(callers)

    def ask(_: int) -> BuildResult:
        start.wait()
        return build_body(PRACTICE, tmp_path)

    caplog.set_level(logging.INFO, logger="leadgen.ebook.render")
    with ThreadPoolExecutor(callers) as pool:
        results = list(pool.map(ask, range(callers)))
    renders = [r for r in caplog.records if r.getMessage().startswith("E-book body")]
    assert len(renders) == 1
    assert sorted(result.cached for result in results) == [False, True, True]
    assert {result.path for result in results} == {results[0].path}
    assert [p.name for p in tmp_path.glob("*.pdf")] == [results[0].path.name]
    assert len({result.pages for result in results}) == 1
