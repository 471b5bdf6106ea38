"""The database itself refuses a double booking: agenda cells, one booked appointment a lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from leadgen.extensions import db
from leadgen.models import Appointment, AppointmentCell, AppointmentReminder, Lead
from leadgen.moments import cells

START = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


def _appointment(lead_id: int, start=START, minutes=20, status="geboekt") -> Appointment:
    return Appointment(
        lead_id=lead_id,
        kind="adviesgesprek",
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        status=status,
    )


def _hold(appointment: Appointment, minutes=20, seat=1) -> None:
    for cell in cells(appointment.starts_at, minutes):
        appointment.cells.append(AppointmentCell(cell_start=cell, seat=seat))


def test_a_cell_cannot_be_held_twice_on_one_seat(app, create_lead):
    first, second = create_lead(kind="adviesgesprek"), create_lead(kind="pijncheck")
    with app.app_context():
        one = _appointment(first.id)
        _hold(one)
        db.session.add(one)
        db.session.commit()
        # a pain check from 11:15 overlaps the call's last cell
        two = _appointment(second.id, START + timedelta(minutes=15), 30)
        _hold(two, 30)
        db.session.add(two)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        two = _appointment(second.id, START + timedelta(minutes=15), 30)
        _hold(two, 30, seat=2)  # a second seat, where capacity allows it
        db.session.add(two)
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(AppointmentCell)) == 10


def test_a_lead_holds_one_booked_appointment_and_keeps_its_history(app, create_lead):
    lead = create_lead(kind="adviesgesprek")
    with app.app_context():
        db.session.add(_appointment(lead.id, status="geannuleerd"))
        db.session.add(_appointment(lead.id, START + timedelta(days=1), status="geweest"))
        db.session.add(_appointment(lead.id, START + timedelta(days=2)))
        db.session.commit()
        db.session.add(_appointment(lead.id, START + timedelta(days=3)))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_a_reminder_key_is_taken_once(app, create_lead):
    lead = create_lead(kind="adviesgesprek")
    with app.app_context():
        appointment = _appointment(lead.id)
        db.session.add(appointment)
        db.session.commit()
        db.session.add(AppointmentReminder(appointment_id=appointment.id, starts_at=START))
        db.session.commit()
        db.session.add(AppointmentReminder(appointment_id=appointment.id, starts_at=START))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_an_erased_lead_takes_its_appointments_and_cells_along(app, create_lead):
    lead = create_lead(kind="pijncheck")
    with app.app_context():
        appointment = _appointment(lead.id, minutes=30)
        _hold(appointment, 30)
        db.session.add(appointment)
        db.session.commit()
        db.session.execute(db.delete(Lead).where(Lead.id == lead.id))
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(AppointmentCell)) == 0


@pytest.mark.parametrize(
    ("column", "value"), [("status", "booked"), ("kind", "ebook"), ("ends_at", START)]
)
def test_the_database_checks_the_values(app, create_lead, column, value):
    lead = create_lead(kind="adviesgesprek")
    with app.app_context():
        appointment = _appointment(lead.id)
        setattr(appointment, column, value)
        db.session.add(appointment)
        with pytest.raises(IntegrityError):
            db.session.commit()
