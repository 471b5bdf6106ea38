"""Fixtures of the embed's own tests; the live servers and Chromium are in tests/browser.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from leadgen.extensions import db
from leadgen.models import Lead
from tests.browser import ALLOW_THIRD_PARTY_COOKIES, BLOCK_THIRD_PARTY_COOKIES, launch

__all__ = ["ALLOW_THIRD_PARTY_COOKIES", "BLOCK_THIRD_PARTY_COOKIES", "launch"]


@pytest.fixture(scope="session")
def english_browser(playwright_instance, tmp_path_factory):
    """Chromium set to English (Accept-Language: en-US), blocking third-party cookies."""
    folder = tmp_path_factory.mktemp("chromium-en")
    context = launch(playwright_instance, folder, BLOCK_THIRD_PARTY_COOKIES, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def english_page(english_browser):
    tab = english_browser.new_page()
    yield tab
    tab.close()


@pytest.fixture
def live_leads(live) -> Callable[[], list[Lead]]:
    def read() -> list[Lead]:
        with live.app.app_context():
            return list(db.session.execute(db.select(Lead).order_by(Lead.id)).scalars())

    return read
