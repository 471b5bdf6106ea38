"""Render the training guide: the shared body once per content version, and personal copies."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import re
import tempfile
import threading
import time
import unicodedata
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from pathlib import Path

import jinja2
import pikepdf
import segno
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from leadgen.config import PRACTICE_DEFAULTS
from leadgen.ebook.assemble import assemble
from leadgen.ebook.copies import copy_name
from leadgen.ebook.fetcher import EbookURLFetcher
from leadgen.files import write_atomic

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

    @classmethod
    def from_config(cls, config: Mapping[str, str]) -> Practice:
        """The practice as the LEADGEN_PRACTICE_* settings and LEADGEN_BOOKING_URL describe it."""
        return cls(
            name=config["LEADGEN_PRACTICE_NAME"],
            author=config["LEADGEN_PRACTICE_AUTHOR"],
            city=config["LEADGEN_PRACTICE_CITY"],
            phone=config["LEADGEN_PRACTICE_PHONE"],
            booking_url=config["LEADGEN_BOOKING_URL"],
        )


#: The practice when nothing is configured (the `python -m` entry point and the benchmarks).
DEFAULT_PRACTICE = Practice.from_config(PRACTICE_DEFAULTS)


@dataclass(frozen=True)
class BuildResult:
    """Where the shared body is and what it took to make it."""

    path: Path
    pages: int
    bytes: int
    seconds: float
    version: str
    cached: bool = False


def url_fetcher() -> EbookURLFetcher:
    """Return a fetcher confined to the guide's folder."""
    return EbookURLFetcher(EBOOK_DIR)


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
    global _version_seen
    stats = _source_stats()
    seen = _version_seen
    if seen is not None and seen[0] is stats and seen[1] == practice:
        return seen[2]  # the same walk: no need to hash its forty entries again as a cache key
    version = _content_version(practice, stats)
    _version_seen = (stats, practice, version)
    return version


_version_seen: tuple[tuple, Practice, str] | None = None


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


def _render_pdf(
    html: str,
    variant: str | None = PDF_VARIANT,
    tools: tuple[FontConfiguration, CSS] | None = None,
) -> tuple[bytes, int]:
    """Render `html` to PDF; `tools` are a font configuration and a stylesheet to reuse."""
    config, stylesheet = tools or (FontConfiguration(), None)
    document = HTML(
        string=html,
        base_url=(EBOOK_DIR / "guide.html").as_uri(),
        url_fetcher=url_fetcher(),
        encoding="utf-8",
    ).render(font_config=config, stylesheets=[stylesheet] if stylesheet else None)
    pdf = document.write_pdf(pdf_variant=variant)
    return pdf, len(document.pages)


# One font configuration and one parsed print.css per process, for the covers, used under a
# lock: a Pango font map is not safe to share between threads at once, and a cover is Python's
# work under the GIL, so covers taking turns lose nothing. Made per thread instead, each of a
# worker's threads paid for its first cover again: 170-250 ms against 40-50 ms after.
_cover_lock = threading.Lock()
_cover_tools: tuple[tuple, FontConfiguration, CSS] | None = None


def _cover_tools_for(stats: tuple) -> tuple[FontConfiguration, CSS]:
    """The covers' font configuration and print.css parsed for it, made again when the guide's
    files change; call with `_cover_lock` held. Parsing print.css took over half of each cover.

    It comes in as a user stylesheet: the cover's own <style> (the emoji font) still wins, by
    origin where it once won by order. A configuration keeps the fonts it has unpacked.
    """
    global _cover_tools
    if _cover_tools is None or _cover_tools[0] != stats:
        config = FontConfiguration()
        css = CSS(
            filename=str(EBOOK_DIR / "print.css"), url_fetcher=url_fetcher(), font_config=config
        )
        _cover_tools = (stats, config, css)
    return _cover_tools[1], _cover_tools[2]


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file, across threads and processes, until the block ends."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_body(practice: Practice, cache_dir: Path) -> BuildResult:
    """Render the shared body once per content version; return the cached file when present."""
    version = content_version(practice)
    path = Path(cache_dir) / f"body-{version}.pdf"
    if not path.is_file():
        # A render takes seconds and every worker may ask at once: one renders, the rest wait.
        with _exclusive(Path(cache_dir) / "body.lock"):
            if not path.is_file():
                return _render_body(practice, version, path)
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    return BuildResult(path, pages, path.stat().st_size, 0.0, version, cached=True)


def _render_body(practice: Practice, version: str, path: Path) -> BuildResult:
    """Render the body into ``path`` and log what it took."""
    started = time.perf_counter()
    pdf, pages = _render_pdf(render_guide_html(practice))
    write_atomic(path, pdf)
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
    html = template.render(practice=practice, name=name, has_emoji=has_emoji, linked_css=False)
    # Untagged: its content becomes an artifact of the tagged body (see assemble).
    with _cover_lock:
        return _render_pdf(html, variant=None, tools=_cover_tools_for(_source_stats()))[0]


def copy_path(name: str, owner: str, practice: Practice, cache_dir: Path) -> Path:
    """Return where the visitor's copy lives (see personal_copy), whether it is made or not."""
    return _copy_path(Path(cache_dir), content_version(practice), owner, name)


def personal_copy(name: str, owner: str, practice: Practice, cache_dir: Path) -> Path:
    """Return the visitor's copy: their cover in front of the cached body, cached on disk.

    `owner` is the lead's secret: copies are kept per lead, so two people of one name share
    nothing, and erasing a lead can find and remove every copy made for it.
    """
    version = content_version(practice)
    path = _copy_path(Path(cache_dir), version, owner, name)
    if path.is_file():
        return path
    body_path = Path(cache_dir) / f"body-{version}.pdf"
    if not body_path.is_file():
        body_path = build_body(practice, cache_dir).path
    # A link clicked twice, a mail client's prefetch, the mail worker preparing the copy as the
    # visitor clicks: one request renders, the others wait for its file. Sixteen lock files
    # (beside body.lock, outside copies/, which holds nothing but copies) are shared by all
    # copies, so they stay few and copies of different leads rarely wait.
    stripe = zlib.crc32(path.name.encode()) % COPY_LOCKS
    with _exclusive(Path(cache_dir) / f"copy-{stripe}.lock"):
        if not path.is_file():
            write_atomic(path, assemble(render_cover_pdf(name, practice), body_path))
    return path


COPY_LOCKS = 16


@lru_cache(maxsize=1024)
def _copy_path(cache_dir: Path, version: str, owner: str, name: str) -> Path:
    # A link is downloaded again and again (and by link checkers): its path is worked out once.
    return cache_dir / "copies" / version / copy_name(owner, clean_name(name))


if __name__ == "__main__":
    # `python -m leadgen.ebook.render --html` prints the filled-in guide for the plain
    # weasyprint CLI; without arguments it builds the body into /tmp/leadgen-ebook.
    import sys

    if sys.argv[1:] == ["--html"]:
        sys.stdout.write(render_guide_html(DEFAULT_PRACTICE))
    else:
        result = build_body(DEFAULT_PRACTICE, Path(tempfile.gettempdir()) / "leadgen-ebook")
        print(result)
