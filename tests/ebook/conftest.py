"""Fixtures for the guide: one body per test session, rendered for a practice of our own."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from leadgen.ebook.render import BuildResult, Practice, build_body
from tests.browser import unavailable

#: Deliberately unlike the defaults, so text that should come from settings can be found.
PRACTICE = Practice(
    name="Testpraktijk Zuiderzee",
    author="Sanne",
    city="Enkhuizen",
    phone="0228 123 456",
    booking_url="https://praktijk.test/boeken",
)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="session")
def ebook_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ebook-cache")


@pytest.fixture(scope="session")
def built(ebook_cache) -> tuple[BuildResult, list[logging.LogRecord]]:
    """Render the body once, with every warning of the weasyprint logger collected."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        result = build_body(PRACTICE, ebook_cache)
    finally:
        logger.removeHandler(handler)
    return result, handler.records


@pytest.fixture(scope="session")
def body(built) -> BuildResult:
    return built[0]


@pytest.fixture(scope="session")
def body_pdf(body) -> PdfReader:
    return PdfReader(body.path)


def needs(tool: str) -> str:
    """Return the command's path; skip the test without it (fail it on CI, where it is a must)."""
    path = shutil.which(tool)
    if path is None:
        unavailable(
            f"this test needs `{tool}` (qpdf, mupdf-tools, poppler-utils): run `make browser`"
        )
    return path
