"""Fixtures for the admin tests: a lead with a booked appointment (the agenda's tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import pytest

from leadgen import tokens
from leadgen.appointments import service
from leadgen.extensions import db
from leadgen.models import Appointment, utcnow
from tests.admin.agenda_fixtures import AMS, COMPLAINT


@pytest.fixture
def book(app, create_lead) -> Callable[..., SimpleNamespace]:
    """Return `book(ago=None, index=0, kind=…, **lead)`: a lead with a booked appointment.

    `ago` (a timedelta) books as if it were that long ago, so the moment can lie in the past
    (for marks); `index` picks which free moment. Returns the lead's and moment's values.
    """

    def make(ago: timedelta | None = None, index: int = 0, kind: str = "pijncheck", **fields):
        values = {
            "kind": kind,
            "name": "Anna de Vries",
            "email": "anna.devries@example.nl",
            "phone": "+31612345678",
            "complaint": COMPLAINT,
        } | fields
        lead = create_lead(**values)
        now = utcnow() - ago if ago else utcnow()
        with app.app_context():
            free = service.free_moments(kind, lead.id, now)
            if ago:
                free = [moment for moment in free if moment + timedelta(hours=1) < utcnow()]
            start = free[index]
            service.book(lead.id, lead.secret, start, now, "nl")
            appointment = db.session.execute(
                db.select(Appointment).where(Appointment.lead_id == lead.id)
            ).scalar_one()
            return SimpleNamespace(
                lead=lead,
                id=appointment.id,
                uid=appointment.uid,
                start=start,
                local=start.astimezone(AMS),
                token=tokens.appointment_token(lead.id, lead.secret),
            )

    return make
