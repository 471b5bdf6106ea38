"""Fixtures for the funnel: an app whose embed may sit on the test blog, and a browser's headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from leadgen.extensions import db
from leadgen.funnel import counter
from leadgen.models import PageView

BLOG = "https://blog.example.nl"
POST = f"{BLOG}/gluteus-medius-en-lage-rugpijn"
# What Firefox on a phone sends; the Werkzeug test client's own User-Agent counts as a script.
BROWSER = {"User-Agent": "Mozilla/5.0 (Android 14; Mobile; rv:130.0) Gecko/130.0 Firefox/130.0"}


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(LEADGEN_EMBED_ORIGINS=[BLOG])


@pytest.fixture
def views(app) -> Callable[[], dict[tuple[str, str], int]]:
    """Return `views()`: write what the app counted, then the stored views per (page, campaign)."""

    def read() -> dict[tuple[str, str], int]:
        counter.flush(app)
        with app.app_context():
            rows = db.session.execute(db.select(PageView)).scalars().all()
            return {(row.source, row.utm_campaign): row.views for row in rows}

    return read
