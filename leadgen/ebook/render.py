"""Render the training guide: the shared body once per content version, and personal copies."""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import segno
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

#: The guide's source folder: templates, the print stylesheet, drawings and fonts.
EBOOK_DIR = Path(__file__).resolve().parents[2] / "ebook"

#: Bump when the renderer's own output changes, so cached PDFs are rebuilt.
RENDERER_REVISION = "1"

#: PDF/UA-1 implies a tagged PDF (structure tree, /Lang, alt texts).
PDF_VARIANT = "pdf/ua-1"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Practice:
    """The practice whose guide this is; every field ends up in the text."""

    name: str
    author: str
    city: str
    phone: str
    booking_url: str


#: The blog's own values; the phone number and booking URL are placeholders.
DEFAULT_PRACTICE = Practice(
    name="Neuroreset Fysiotherapie",
    author="Jerry",
    city="Hoorn",
    phone="0229 000 000",
    booking_url="https://www.example.nl/afspraak",
)


@dataclass(frozen=True)
class BuildResult:
    """Where the shared body is and what it took to make it."""

    path: Path
    pages: int
    bytes: int
    seconds: float
    version: str
    cached: bool = False


class EbookURLFetcher(URLFetcher):
    """Serve files under the guide's folder and ``data:`` URLs; refuse everything else."""

    def __init__(self, root: Path = EBOOK_DIR) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return the file or data the URL names, or raise ValueError."""
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ValueError(f"Refused (only files of the guide): {url}")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refused (remote file): {url}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"Refused (outside the guide): {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def url_fetcher() -> EbookURLFetcher:
    """Return a fetcher confined to the guide's folder."""
    return EbookURLFetcher()


@cache
def _environment(root: Path = EBOOK_DIR) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def content_version(practice: Practice) -> str:
    """Return a short hash of every file under ``ebook/`` plus the practice settings."""
    digest = hashlib.sha256()
    digest.update(f"renderer {RENDERER_REVISION} {PDF_VARIANT}\0".encode())
    for path in sorted(p for p in EBOOK_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(EBOOK_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(json.dumps(asdict(practice), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def booking_qr_data_uri(url: str) -> str:
    """Return the booking URL as a QR code, an SVG ``data:`` URI (dark green on white)."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_data_uri(scale=4, border=2, dark="#17413a", light="#ffffff")


def render_guide_html(practice: Practice) -> str:
    """Return the guide as HTML, ready for WeasyPrint (or the plain ``weasyprint`` CLI)."""
    template = _environment().get_template("guide.html")
    return template.render(practice=practice, booking_qr=booking_qr_data_uri(practice.booking_url))


def _render_pdf(html: str) -> tuple[bytes, int]:
    document = HTML(
        string=html,
        base_url=(EBOOK_DIR / "guide.html").as_uri(),
        url_fetcher=url_fetcher(),
        encoding="utf-8",
    ).render(font_config=FontConfiguration())
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf, len(document.pages)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_body(practice: Practice, cache_dir: Path) -> BuildResult:
    """Render the shared body once per content version; return the cached file when present."""
    version = content_version(practice)
    path = Path(cache_dir) / f"body-{version}.pdf"
    if path.is_file():
        pages = len(PdfReader(path).pages)
        return BuildResult(path, pages, path.stat().st_size, 0.0, version, cached=True)
    started = time.perf_counter()
    pdf, pages = _render_pdf(render_guide_html(practice))
    _atomic_write(path, pdf)
    seconds = time.perf_counter() - started
    log.info("E-book body %s: %d pages, %d bytes, %.2f s", version, pages, len(pdf), seconds)
    return BuildResult(path, pages, len(pdf), seconds, version)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_name(name: str) -> str:
    """Return the name as it goes on the cover: NFC, no control characters, single spaces."""
    name = _CONTROL.sub("", unicodedata.normalize("NFC", name))
    return " ".join(name.split())


def render_cover_pdf(name: str, practice: Practice) -> bytes:
    """Render the one-page personal cover; the name is escaped by Jinja, never interpreted."""
    template = _environment().get_template("cover.html")
    name = clean_name(name)
    has_emoji = any(ord(char) > 0x2100 and unicodedata.category(char) == "So" for char in name)
    html = template.render(practice=practice, name=name, has_emoji=has_emoji)
    return _render_pdf(html)[0]


def personal_copy(name: str, practice: Practice, cache_dir: Path) -> Path:
    """Return the visitor's copy: their cover in front of the cached body, cached on disk."""
    body = build_body(practice, cache_dir)
    key = hashlib.sha256(clean_name(name).encode()).hexdigest()[:32]
    path = Path(cache_dir) / "copies" / body.version / f"{key}.pdf"
    if path.is_file():
        return path
    _atomic_write(path, assemble(render_cover_pdf(name, practice), body.path))
    return path


def assemble(cover_pdf: bytes, body_path: Path) -> bytes:
    """Put the cover in front of the body and keep the body's outline, links, tags and metadata.

    The body is appended to incrementally: its bytes are copied as they are and only the new
    page, the page tree and the catalog are written after them. Links and bookmarks point at
    page objects, not at page numbers, so they survive the extra page in front.
    """
    cover_page = PdfReader(BytesIO(cover_pdf)).pages[0]
    writer = PdfWriter(body_path, incremental=True)
    page = writer.insert_page(cover_page, 0)
    # The cover is outside the body's structure tree: mark it as an artifact for PDF/UA.
    page.pop(NameObject("/StructParents"), None)
    _label_pages(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _label_pages(writer: PdfWriter) -> None:
    """Make viewers show the printed page numbers: the cover is "Omslag", then 1, 2, 3…"""
    writer._root_object[NameObject("/PageLabels")] = DictionaryObject(
        {
            NameObject("/Nums"): ArrayObject(
                [
                    NumberObject(0),
                    DictionaryObject({NameObject("/P"): TextStringObject("Omslag")}),
                    NumberObject(1),
                    DictionaryObject({NameObject("/S"): NameObject("/D")}),
                ]
            )
        }
    )


if __name__ == "__main__":
    # `python -m leadgen.ebook.render --html` prints the filled-in guide for the plain
    # weasyprint CLI; without arguments it builds the body into /tmp/leadgen-ebook.
    import sys

    if sys.argv[1:] == ["--html"]:
        sys.stdout.write(render_guide_html(DEFAULT_PRACTICE))
    else:
        result = build_body(DEFAULT_PRACTICE, Path(tempfile.gettempdir()) / "leadgen-ebook")
        print(result)
