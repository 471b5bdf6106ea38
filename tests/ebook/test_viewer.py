"""Chromium's own PDF viewer shows the personal cover, name and all, as page 1 of the copy."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask, send_from_directory
from PIL import Image

from leadgen.ebook.assemble import assemble
from leadgen.ebook.render import render_cover_pdf
from tests.browser import LiveServer

from .conftest import PRACTICE

pytestmark = pytest.mark.browser

NAMES = {"anna": "Anna de Vries", "piet": "Piet Jansen"}
# The viewer's open parameters: no toolbar, and page 1 fitted into the window.
FIT_FIRST_PAGE = "#page=1&toolbar=0&view=Fit"
# Inside the fitted page at 600x800, clear of the grey surround and the page's shadow.
INSIDE_PAGE = (60, 60, 540, 740)


@pytest.fixture(scope="module")
def pdf_folder(body, tmp_path_factory) -> Path:
    """Each name's cover on its own, and each name's copy."""
    folder = tmp_path_factory.mktemp("viewer")
    for slug, name in NAMES.items():
        cover = render_cover_pdf(name, PRACTICE)
        (folder / f"cover-{slug}.pdf").write_bytes(cover)
        (folder / f"copy-{slug}.pdf").write_bytes(assemble(cover, body.path))
    return folder


@pytest.fixture(scope="module")
def pdf_server(pdf_folder) -> Iterator[LiveServer]:
    app = Flask(__name__)

    @app.get("/<name>")
    def pdf(name: str):
        return send_from_directory(pdf_folder, name, mimetype="application/pdf")

    server = LiveServer("127.0.0.1", app)
    yield server
    server.close()


def contrast(png: bytes) -> int:
    """Return the spread of grey levels inside the page: zero for a blank one (or none yet)."""
    low, high = Image.open(BytesIO(png)).convert("L").crop(INSIDE_PAGE).getextrema()
    return high - low


def first_page(page, url: str) -> bytes:
    """Open the PDF in the viewer and return a screenshot of page 1 once it has settled."""
    page.set_viewport_size({"width": 600, "height": 800})
    page.goto(url + FIT_FIRST_PAGE)
    previous = b""
    # The viewer paints in steps: two equal shots with something on the page mean it is done.
    # A page that stays blank runs out the polls and comes back blank, for the asserts to report.
    for _ in range(40):
        page.wait_for_timeout(250)
        shot = page.screenshot()
        if shot == previous and contrast(shot):
            break
        previous = shot
    return shot


def test_chromium_shows_the_personal_cover_as_page_one(page, pdf_server):
    shots = {
        f"{kind}-{slug}": first_page(page, f"{pdf_server.origin}/{kind}-{slug}.pdf")
        for kind in ("cover", "copy")
        for slug in NAMES
    }
    assert contrast(shots["cover-anna"]) > 0, "the viewer drew nothing, even for the cover alone"
    for slug in NAMES:
        assert contrast(shots[f"copy-{slug}"]) > 0, f"page 1 of the copy is blank ({slug})"
        # page 1 of the copy looks exactly like the cover on its own ...
        assert shots[f"copy-{slug}"] == shots[f"cover-{slug}"], slug
    # ... and the name makes a visible difference, so the name is on it
    assert shots["copy-anna"] != shots["copy-piet"]
