"""Put a personal cover in front of the shared body, with pikepdf (qpdf) doing the PDF writing."""

from __future__ import annotations

import threading
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
    with _held_lock:
        body = _held_body(body_path)
        try:
            with pikepdf.open(BytesIO(cover_pdf)) as cover:
                page = cover.pages[0]
                _mark_as_artifact(page)
                body.pages.insert(0, page)
                try:
                    out = BytesIO()
                    # qpdf copies the body's compressed streams and object streams as they are
                    # (fast, and smaller than regrouping them) and compresses the new cover
                    # stream, whose data it reads from `cover` as it writes: that stays open.
                    body.save(out)
                finally:
                    del body.pages[0]
            return out.getvalue()
        except Exception:
            _held.clear()  # whatever state it was left in, the next copy opens the file again
            raise


#: The body held open is opened again after this many copies. Each copy's cover objects stay
#: in it, unreachable from the page tree (qpdf writes only what the trailer reaches), until then.
REOPEN_AFTER = 64

# The body, held open by the process between copies; a Pdf is not safe to use from two threads
# at once, so copies take turns (qpdf's work is short and mostly under the GIL anyway).
_held_lock = threading.Lock()
_held: dict = {}


def _held_body(path: Path) -> pikepdf.Pdf:
    """The body at `path`, open, its catalog already labelled. Call with `_held_lock` held.

    Opening it (2 000 objects, most of them the structure tree) was half of each assembly.
    """
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_mtime_ns)
    if _held.get("key") != key or _held["uses"] >= REOPEN_AFTER:
        if "body" in _held:
            _held.pop("body").close()
        body = pikepdf.open(path)
        body.Root.PageLabels = _page_labels()
        _held.update(body=body, key=key, uses=0)
    _held["uses"] += 1
    return _held["body"]


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
