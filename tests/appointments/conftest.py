"""Fixtures for the booking pages: a lead that asked for a call, its link, the moments shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask

from leadgen import tokens

SLOT = re.compile(r'name="slot" id="[^"]+" value="([^"]+)"')
# Hours every day, so the page always has moments whatever day the suite runs.
EVERY_DAY = {
    "LEADGEN_HOURS_ADVIESGESPREK": "ma-zo 08:00-20:00",
    "LEADGEN_HOURS_PIJNCHECK": "ma-zo 08:00-20:00",
}


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(**EVERY_DAY)


@pytest.fixture
def booking_path(app, create_lead) -> Callable[..., str]:
    """Return `booking_path(kind=…, prefix="/afspraak")`: a new lead's booking page."""

    def make(kind: str = "adviesgesprek", prefix: str = "/afspraak", **fields) -> str:
        lead = create_lead(kind=kind, phone="+31612345678", **fields)
        with app.app_context():
            return f"{prefix}/{tokens.appointment_token(lead.id, lead.secret)}"

    return make


def slots(page: str) -> list[str]:
    """The radio values on a booking page, in order."""
    return SLOT.findall(page)


def instant(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
