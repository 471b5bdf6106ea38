"""Every letter is drawn with its own glyph: names beyond basic Latin (Ş, Ł, ą) on cover and body.

How the check works: `mutool trace` lists each glyph the PDF draws with the text it stands for
(from the ToUnicode map), its glyph id and its font. The embedded font programs are read out of the
PDF (pikepdf) and opened with fontTools. A glyph is right when the embedded font's own cmap maps
the character to exactly that glyph id. When two font files are mixed up into one PDF font, the id
drawn belongs to the other file: the text still extracts correctly, but the shape is wrong
("Şahin" drawn as "»ahin"), and the character is missing from the cmap or maps to another id.

A ligature (several characters, one glyph) cannot be looked up in a cmap; for those, every one of
its characters must be in the embedded font's cmap, so at least the font is one that has them.
"""

from __future__ import annotations

import io
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from leadgen.ebook.render import render_cover_pdf

from .conftest import PRACTICE, needs

#: Turkish and Polish letters from both latin-ext faces, and no "fi"/"ff"/"ft" ligatures.
NAME = "Şahin Łukasz Żaneta Ąę"
#: Longer than 48 characters: the cover sets it smaller, in the 600 weight.
LONG_NAME = "Şükrü Łucja Żaneta Ąęśćńźż Ğülşen Ömer Çağlar Öztürk Ławrynowicz"
#: An emoji switches the cover to its own font-family list (see cover.html).
EMOJI_NAME = "Şahin Łukasz 💪"
#: The regular-weight line under the name ("by") gets letters from the latin-ext 400 face.
POLISH_PRACTICE = replace(PRACTICE, author="Łucja Żak", city="Łódź")


@dataclass(frozen=True)
class Glyph:
    """One glyph as drawn: its font's name, the text it stands for, and its glyph id."""

    font: str
    text: str
    gid: int


def drawn_glyphs(pdf: Path) -> list[Glyph]:
    """Return every glyph `mutool trace` reports, with ligature tails joined to their glyph."""
    command = [needs("mutool"), "trace", str(pdf)]
    # fixed arguments; the XML is MuPDF's account of a PDF we rendered ourselves
    trace = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    glyphs: list[Glyph] = []
    for span in ET.fromstring(trace.stdout).iter("span"):  # noqa: S314
        for g in span.iter("g"):
            if g.get("glyph") is None:  # the 2nd, 3rd… character of a ligature
                glyphs[-1] = replace(glyphs[-1], text=glyphs[-1].text + g.get("unicode"))
            else:
                glyphs.append(Glyph(span.get("font"), g.get("unicode"), int(g.get("glyph"))))
    return glyphs


def embedded_cmaps(pdf: Path) -> dict[str, dict[int, int]]:
    """Return, per font name, the embedded font program's cmap as code point -> glyph id."""
    cmaps: dict[str, dict[int, int]] = {}
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            for font in page.Resources.Font.values():
                name = str(font.BaseFont).removeprefix("/")
                cid_font = font.DescendantFonts[0]
                # The traced glyph number is a CID; with /Identity it is the font's glyph id.
                assert cid_font.get("/CIDToGIDMap") == pikepdf.Name.Identity, name
                descriptor = cid_font.FontDescriptor
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                ttfont = TTFont(io.BytesIO(program.read_bytes()))
                cmap = {code: ttfont.getGlyphID(g) for code, g in ttfont.getBestCmap().items()}
                assert cmaps.setdefault(name, cmap) == cmap, f"two fonts named {name}"
    return cmaps


def misdrawn(pdf: Path) -> list[str]:
    """Return a line for each glyph that is not the embedded font's glyph for its text."""
    cmaps = embedded_cmaps(pdf)
    wrong = []
    for glyph in drawn_glyphs(pdf):
        cmap = cmaps[glyph.font]
        if len(glyph.text) == 1:
            ok = cmap.get(ord(glyph.text)) == glyph.gid
        else:
            ok = all(ord(char) in cmap for char in glyph.text)
        if not ok:
            expected = [cmap.get(ord(char)) for char in glyph.text]
            wrong.append(f"{glyph.text!r} in {glyph.font}: glyph {glyph.gid}, cmap says {expected}")
    return wrong


def drawn_text(pdf: Path) -> str:
    return "".join(glyph.text for glyph in drawn_glyphs(pdf))


@pytest.mark.parametrize("name", [NAME, LONG_NAME, EMOJI_NAME], ids=["bold", "long", "emoji"])
def test_cover_draws_each_letter_with_its_own_glyph(name, tmp_path):
    path = tmp_path / "cover.pdf"
    path.write_bytes(render_cover_pdf(name, POLISH_PRACTICE))
    text = drawn_text(path)
    # Not vacuous: the letters under test are really drawn, name and the regular-weight line.
    for word in [*name.split(), "Łódź", "Łucja"]:
        assert word in text
    assert misdrawn(path) == []


def test_body_draws_each_letter_with_its_own_glyph(body):
    assert "gluteus medius" in drawn_text(body.path)
    assert misdrawn(body.path) == []
