"""The reminder about a day before an appointment, queued by the mail worker when it is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from leadgen.appointments import mails
from leadgen.extensions import begin_read, db
from leadgen.models import Appointment, AppointmentReminder, Lead

#: How long before the moment the reminder goes.
BEFORE = timedelta(hours=24)


def queue_due(now: datetime) -> int:
    """Queue the reminder of every booked appointment starting within BEFORE; return how many.

    Each in its own transaction with its AppointmentReminder row, whose primary key (appointment,
    start) lets only one worker queue it, however many look at once. An appointment booked or
    moved within BEFORE of its moment gets none: its confirmation has just gone.
    """
    begin_read()
    # Booked late ones come back each pass and are passed over in _queue: comparing two columns
    # with an interval differs per database, and there are only a day's worth of them.
    due = db.session.execute(
        select(Appointment.id, Appointment.starts_at)
        .outerjoin(
            AppointmentReminder,
            (AppointmentReminder.appointment_id == Appointment.id)
            & (AppointmentReminder.starts_at == Appointment.starts_at),
        )
        .where(
            Appointment.status == "geboekt",
            Appointment.starts_at > now,
            Appointment.starts_at <= now + BEFORE,
            AppointmentReminder.appointment_id.is_(None),
        )
        .order_by(Appointment.starts_at)
    ).all()
    db.session.rollback()
    return sum(_queue(appointment_id, starts_at, now) for appointment_id, starts_at in due)


def _queue(appointment_id: int, starts_at: datetime, now: datetime) -> int:
    appointment = db.session.get(Appointment, appointment_id)
    if (
        appointment is None
        or appointment.status != "geboekt"
        or appointment.starts_at != starts_at
        or appointment.updated_at >= starts_at - BEFORE
    ):
        db.session.rollback()
        return 0
    lead = db.session.get(Lead, appointment.lead_id)
    db.session.add(AppointmentReminder(appointment_id=appointment_id, starts_at=starts_at))
    mail = mails.draft_visitor(lead, appointment, "appointment_reminder").store(lead)
    mail.next_attempt_at = now  # due in this very pass, also under `mail send --now`
    try:
        db.session.commit()
    except IntegrityError:  # another worker queued it first
        db.session.rollback()
        return 0
    return 1
