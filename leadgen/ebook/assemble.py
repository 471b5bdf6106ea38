"""Put a personal cover in front of the shared body, with pikepdf (qpdf) doing the PDF writing."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Page, String

#: What viewers show as the cover's page number; the body's pages count from 1.
COVER_LABEL = "Omslag"


def assemble(cover_pdf: bytes, body_path: Path) -> bytes:
    """Return the body with the cover's first page in front; tags, outline and links stay.

    Links, bookmarks and the structure tree point at page objects (and /StructParents keys),
    not at page numbers, so one more page in front leaves them all valid.
    """
    with pikepdf.open(body_path) as body, pikepdf.open(BytesIO(cover_pdf)) as cover:
        page = cover.pages[0]
        _mark_as_artifact(page)
        body.pages.insert(0, page)
        body.Root.PageLabels = _page_labels()
        out = BytesIO()
        # qpdf copies the body's compressed streams and object streams as they are (fast, and
        # smaller than regrouping them) and compresses the new cover stream.
        body.save(out)
        return out.getvalue()


def _mark_as_artifact(page: Page) -> None:
    """Make the untagged cover one artifact, so the tagged body stays consistent (PDF/UA)."""
    for key in ("/StructParents", "/Annots"):
        if key in page.obj:
            del page.obj[key]
    # One stream, so the marked-content sequence opens and closes inside a single stream.
    page.contents_coalesce()
    content = page.obj.Contents.read_bytes()
    page.obj.Contents.write(b"/Artifact BMC\n" + content + b"\nEMC\n")


def _page_labels() -> Dictionary:
    """Make viewers show the printed page numbers: the cover is "Omslag", then 1, 2, 3…"""
    return Dictionary(
        Nums=Array([0, Dictionary(P=String(COVER_LABEL)), 1, Dictionary(S=Name.D)]),
    )
