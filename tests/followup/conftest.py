"""Fixtures: readers of the e-book at a chosen moment, and apps that send to a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from leadgen.extensions import db
from leadgen.models import Consent, Lead
from tests.mail.conftest import smtp_server, start_smtp  # noqa: F401 - fixtures used here

# A Tuesday in December (winter time: Amsterdam is UTC+1), mid-morning.
REQUESTED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def app(make_app, smtp_server) -> Flask:  # noqa: F811 - the fixture above, by name
    """The app of these tests sends to the test's SMTP server."""
    return make_app(LEADGEN_SMTP_URL=smtp_server.url)


@pytest.fixture
def reader(app: Flask) -> Callable[..., int]:
    """Return `reader(confirmed=True, at=REQUESTED, **lead)`: an e-book lead's id.

    `confirmed`: the newsletter consent is confirmed (True), given but not confirmed (False), or
    not given at all (None).
    """
    counter = iter(range(1, 1_000_000))

    def make(confirmed: bool | None = True, at: datetime = REQUESTED, **values) -> int:
        n = next(counter)
        fields = {"kind": "ebook", "name": f"Anna de Vries {n}", "email": f"anna{n}@example.nl"}
        fields |= {"created_at": at, "last_requested_at": at} | values
        with app.app_context():
            lead = Lead(**fields)
            lead.consents.append(_consent("privacy", at, at))
            if confirmed is not None:
                confirmed_at = at + timedelta(minutes=5) if confirmed else None
                lead.consents.append(_consent("newsletter", at, confirmed_at))
            db.session.add(lead)
            db.session.commit()
            return lead.id

    return make


def _consent(purpose: str, at: datetime, confirmed_at: datetime | None) -> Consent:
    return Consent(
        purpose=purpose,
        text_version="v1",
        text=f"Tekst {purpose}",
        form="ebook",
        granted_at=at,
        confirmed_at=confirmed_at,
    )


def days(n: float) -> datetime:
    """The moment `n` days after REQUESTED."""
    return REQUESTED + timedelta(days=n)
