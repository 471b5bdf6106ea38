"""Personal copies: the visitor's cover in front of the body, with every link still working."""

import pytest
from pypdf import PdfReader

from leadgen.ebook.render import personal_copy

from .conftest import PRACTICE
from .test_render import CHAPTERS, find_page, flat, page_text, toc_targets

OWNER = "eigenaar-van-deze-kopie-00000000"  # a lead's secret


@pytest.fixture(scope="module")
def copy_pdf(body, ebook_cache) -> PdfReader:
    return PdfReader(personal_copy("Anna de Vries", OWNER, PRACTICE, ebook_cache))


def test_copy_has_the_cover_with_the_name_in_front(body, copy_pdf):
    assert len(copy_pdf.pages) == body.pages + 1
    cover = page_text(copy_pdf, 0)
    assert "Persoonlijk exemplaar voor" in cover
    assert "Anna de Vries" in cover


def test_cover_is_dressed_by_the_guides_stylesheet(copy_pdf):
    # The cover takes print.css parsed once per process, not from a <link>
    # (render._cover_tools_for): without it the page would be A4 and in a fallback font.
    cover, first = copy_pdf.pages[0], copy_pdf.pages[1]
    assert cover.mediabox == first.mediabox
    assert round(float(cover.mediabox.width) * 25.4 / 72) == 148  # A5
    fonts = {str(font["/BaseFont"]) for font in cover["/Resources"]["/Font"].values()}
    assert fonts and all("Source-Sans-3" in font for font in fonts), fonts


def test_copy_keeps_metadata_bookmarks_and_toc_links(body_pdf, copy_pdf):
    assert copy_pdf.metadata.title == body_pdf.metadata.title
    assert copy_pdf.metadata.author == body_pdf.metadata.author
    assert copy_pdf.trailer["/Root"]["/Lang"] == "nl"
    assert "/StructTreeRoot" in copy_pdf.trailer["/Root"]
    outline = [item for item in copy_pdf.outline if not isinstance(item, list)]
    assert [item.title for item in outline] == ["Inhoud", *CHAPTERS]
    for item in outline:
        assert item.title in page_text(copy_pdf, copy_pdf.get_destination_page_number(item))
    toc = find_page(copy_pdf, "Inhoud")
    for title, target in zip(CHAPTERS, toc_targets(copy_pdf, toc), strict=True):
        assert title in page_text(copy_pdf, target)


def test_viewer_page_labels_match_the_printed_numbers(copy_pdf):
    labels = copy_pdf.page_labels
    assert labels[0] == "Omslag"
    assert labels[1:4] == ["1", "2", "3"]


def test_second_download_is_the_cached_file(ebook_cache):
    first = personal_copy("Piet Jansen", OWNER, PRACTICE, ebook_cache)
    stamp = first.stat().st_mtime_ns
    again = personal_copy("Piet Jansen", OWNER, PRACTICE, ebook_cache)
    assert again == first and again.stat().st_mtime_ns == stamp


@pytest.mark.parametrize(
    "name",
    [
        "<img src=file:///etc/passwd>",
        "{{7*7}}",
        "{% raw %}<script>alert(1)</script>",
        "Zoë " + "x" * 496,
        "שלום עולם",
        "مرحبا بك",
        "Anna 💪🏽 de Vries",
        "Jan &amp; Els",
    ],
)
def test_hostile_names_come_out_literally(name, body, copy_pdf, ebook_cache):
    path = personal_copy(name, OWNER, PRACTICE, ebook_cache)
    reader = PdfReader(path)
    cover = reader.pages[0]
    text = cover.extract_text()
    assert "".join(name.split()) in "".join(text.split())
    assert "49" not in flat(text)
    assert "root:" not in text
    # no image beyond the cover's own drawing was fetched
    assert len(xobjects(cover)) == len(xobjects(copy_pdf.pages[0]))
    assert len(reader.pages) == body.pages + 1


def xobjects(page) -> list[str]:
    return list(page["/Resources"].get("/XObject", {}).keys())
