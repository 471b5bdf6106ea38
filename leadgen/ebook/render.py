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
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import segno
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from leadgen.ebook.copies import copy_name

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
    return _content_version(practice, _source_stats())


# Every download asks for the version; walking ~40 files each time cost half a millisecond, so
# the walk is reused for a moment. An edit to the sources shows within that moment.
_STATS_TTL = 2.0
_stats_seen: tuple[float, tuple] = (float("-inf"), ())


def _source_stats() -> tuple:
    global _stats_seen
    taken, stats = _stats_seen
    if time.monotonic() - taken > _STATS_TTL:
        files = sorted(p for p in EBOOK_DIR.rglob("*") if p.is_file())
        stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        _stats_seen = (time.monotonic(), stats)
    return stats


@lru_cache(maxsize=16)
def _content_version(practice: Practice, stats: tuple) -> str:
    digest = hashlib.sha256()
    digest.update(f"renderer {RENDERER_REVISION} {PDF_VARIANT}\0".encode())
    for name, _, _ in stats:
        path = Path(name)
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


def _render_pdf(html: str, variant: str | None = PDF_VARIANT) -> tuple[bytes, int]:
    document = HTML(
        string=html,
        base_url=(EBOOK_DIR / "guide.html").as_uri(),
        url_fetcher=url_fetcher(),
        encoding="utf-8",
    ).render(font_config=FontConfiguration())
    pdf = document.write_pdf(pdf_variant=variant)
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
    # Untagged: its content becomes an artifact of the tagged body (see assemble).
    return _render_pdf(html, variant=None)[0]


def personal_copy(name: str, owner: str, practice: Practice, cache_dir: Path) -> Path:
    """Return the visitor's copy: their cover in front of the cached body, cached on disk.

    `owner` is the lead's secret: copies are kept per lead, so two people of one name share
    nothing, and erasing a lead can find and remove every copy made for it.
    """
    version = content_version(practice)
    path = Path(cache_dir) / "copies" / version / copy_name(owner, clean_name(name))
    if path.is_file():
        return path
    body_path = Path(cache_dir) / f"body-{version}.pdf"
    if not body_path.is_file():
        body_path = build_body(practice, cache_dir).path
    _atomic_write(path, assemble(render_cover_pdf(name, practice), body_path))
    return path


def assemble(cover_pdf: bytes, body_path: Path) -> bytes:
    """Put the cover in front of the body and keep the body's outline, links, tags and metadata.

    This is a PDF incremental update written by hand: the body's bytes stay as they are, and
    after them come the cover's objects (renumbered), a new page tree that starts with the
    cover, the catalog with page labels, and a cross-reference stream pointing back at the
    body's. Links and bookmarks point at page objects, not page numbers, so they survive the
    extra page in front. (pypdf's own incremental writer loads every object first: ~0.3 s.)
    """
    stat = body_path.stat()
    body, trailer, root_ref, root, pages_ref, pages = _parsed_body(
        body_path, stat.st_mtime_ns, stat.st_size
    )
    next_number = int(trailer["/Size"])
    prev_xref = int(body[body.rindex(b"startxref") + 9 :].split()[0])

    cover_page = PdfReader(BytesIO(cover_pdf)).pages[0]
    renumber: dict[int, int] = {}
    queue: list[PdfObject] = []

    def remap(obj: PdfObject) -> PdfObject:
        nonlocal next_number
        if isinstance(obj, IndirectObject):
            if obj.idnum not in renumber:
                renumber[obj.idnum] = next_number
                next_number += 1
                queue.append(obj)
            return IndirectObject(renumber[obj.idnum], 0, None)  # type: ignore[arg-type]
        if isinstance(obj, StreamObject):
            copy = EncodedStreamObject() if isinstance(obj, EncodedStreamObject) else StreamObject()
            copy._data = obj._data
            copy.update({key: remap(value) for key, value in obj.items()})
            return copy
        if isinstance(obj, DictionaryObject):
            return DictionaryObject({key: remap(value) for key, value in obj.items()})
        if isinstance(obj, ArrayObject):
            return ArrayObject(remap(value) for value in obj)
        return obj

    page = DictionaryObject(
        {
            key: value
            for key, value in cover_page.items()
            if key not in ("/Parent", "/StructParents", "/Annots")
        }
    )
    # Untagged cover content is marked as an artifact, so the body's tags stay consistent.
    contents = page["/Contents"]
    artifact_start, artifact_end = StreamObject(), StreamObject()
    artifact_start._data, artifact_end._data = b"/Artifact BMC\n", b"\nEMC\n"
    page_number = next_number
    next_number += 1
    new_objects: list[tuple[int, PdfObject]] = []
    page_body = remap(page)
    start_number = next_number
    new_objects += [(start_number, artifact_start), (start_number + 1, artifact_end)]
    next_number += 2
    page_body[NameObject("/Contents")] = ArrayObject(
        [
            IndirectObject(start_number, 0, None),  # type: ignore[arg-type]
            *(remap(contents) if isinstance(contents, ArrayObject) else [remap(contents)]),
            IndirectObject(start_number + 1, 0, None),  # type: ignore[arg-type]
        ]
    )
    page_body[NameObject("/Parent")] = pages_ref
    new_objects.append((page_number, page_body))
    while queue:
        ref = queue.pop(0)
        new_objects.append((renumber[ref.idnum], remap(ref.get_object())))

    new_pages = DictionaryObject(pages)
    new_pages[NameObject("/Kids")] = ArrayObject(
        [IndirectObject(page_number, 0, None), *pages["/Kids"]]  # type: ignore[arg-type]
    )
    new_pages[NameObject("/Count")] = NumberObject(int(pages["/Count"]) + 1)
    new_root = DictionaryObject(root)
    new_root[NameObject("/PageLabels")] = _page_labels()
    new_objects += [(pages_ref.idnum, new_pages), (root_ref.idnum, new_root)]

    out = BytesIO()
    out.write(body if body.endswith(b"\n") else body + b"\n")
    offsets: dict[int, int] = {}
    for number, obj in new_objects:
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(out)
        out.write(b"\nendobj\n")
    xref_number = next_number
    offsets[xref_number] = out.tell()
    numbers = sorted(offsets)
    index: list[int] = []
    for number in numbers:
        if index and index[-2] + index[-1] == number:
            index[-1] += 1
        else:
            index += [number, 1]
    xref = StreamObject()
    xref._data = b"".join(b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00" for n in numbers)
    xref.update(
        {
            NameObject("/Type"): NameObject("/XRef"),
            NameObject("/Size"): NumberObject(xref_number + 1),
            NameObject("/Index"): ArrayObject(NumberObject(n) for n in index),
            NameObject("/W"): ArrayObject([NumberObject(1), NumberObject(4), NumberObject(2)]),
            NameObject("/Root"): root_ref,
            NameObject("/Prev"): NumberObject(prev_xref),
        }
    )
    for key in ("/Info", "/ID"):
        if key in trailer:
            xref[NameObject(key)] = trailer.raw_get(key)
    out.write(f"{xref_number} 0 obj\n".encode())
    xref.write_to_stream(out)
    out.write(f"\nendobj\nstartxref\n{offsets[xref_number]}\n%%EOF\n".encode())
    return out.getvalue()


@lru_cache(maxsize=4)
def _parsed_body(path: Path, mtime_ns: int, size: int) -> tuple:
    """Read the body's bytes, trailer, catalog and page tree once per file version."""
    body = path.read_bytes()
    reader = PdfReader(BytesIO(body))
    trailer = reader.trailer
    root_ref = trailer.raw_get("/Root")
    root = root_ref.get_object()
    pages_ref = root.raw_get("/Pages")
    pages = pages_ref.get_object()
    pages["/Kids"]  # resolve now, while the reader is at hand
    return body, trailer, root_ref, root, pages_ref, pages


def _page_labels() -> DictionaryObject:
    """Make viewers show the printed page numbers: the cover is "Omslag", then 1, 2, 3…"""
    return DictionaryObject(
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
