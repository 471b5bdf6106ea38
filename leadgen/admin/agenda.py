"""The staff agenda: appointments per day and week, weekly hours, blocked days, marks, cancelling.

The hours and moments themselves belong to the appointments feature (leadgen.appointments,
leadgen.hours, leadgen.moments); this module reads and changes them for staff, with an audit
entry for every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import format_date
from sqlalchemy import delete, func, select

from leadgen.admin import audit
from leadgen.admin.queries import DATE_MAX, DATE_MIN
from leadgen.appointments import mails
from leadgen.appointments import service as booking
from leadgen.extensions import db
from leadgen.hours import format_hours, parse_hours
from leadgen.models import Appointment, AppointmentCell, BlockedDay, BookingHours, Lead, utcnow
from leadgen.vocab import CALL_KINDS

#: What staff may mark an appointment after its moment, and the action that cancels one.
MARKS = ("geweest", "niet verschenen")
CANCEL = "afzeggen"


class AgendaError(ValueError):
    """A change staff asked for that cannot be made; the view says why in Dutch."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Item:
    """One appointment as the agenda shows it: no e-mail, no complaint."""

    id: int
    lead_id: int
    first_name: str
    kind: str
    phone: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    past: bool


def parse_day(value: str) -> date:
    """`?dag=2026-12-03` as a date, or AgendaError."""
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or not DATE_MIN <= day <= DATE_MAX:
        raise AgendaError("day")
    return day


def parse_week(value: str) -> date:
    """`?week=2026-W49` (ISO 8601 week) as the Monday it starts, or AgendaError."""
    year, _, week = value.partition("-W")
    if not (len(year) == 4 and year.isdigit() and len(week) == 2 and week.isdigit()):
        raise AgendaError("week")
    try:
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise AgendaError("week") from None
    if not DATE_MIN <= monday <= DATE_MAX - timedelta(days=6):
        raise AgendaError("week")
    return monday


def week_of(day: date) -> str:
    """The ISO week a day falls in, as `?week=` takes it (`2026-W49`)."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def time_of_day(moment: datetime) -> str:
    """The practice's wall-clock time of `moment`: `12:00` (a template filter).

    The same in every language, so without Babel's formatter: a week's agenda calls it twice a row.
    """
    return moment.astimezone(booking.zone()).strftime("%H:%M")


def weekday(value: date | datetime) -> str:
    """The day of the week, in the reader's language (a template filter): `donderdag`."""
    if isinstance(value, datetime):
        value = booking.local_day(value)
    return format_date(value, "EEEE")


def day_param(moment: datetime) -> str:
    """The practice's date of `moment` as `?dag=` takes it (a template filter)."""
    return booking.local_day(moment).isoformat()


def _start(day: date) -> datetime:
    """When `day` begins in the practice's time zone, in UTC."""
    return datetime.combine(day, time.min, tzinfo=booking.zone()).astimezone(UTC)


def appointments(first: date, last: date, now: datetime) -> list[tuple[date, list[Item]]]:
    """Every appointment from `first` to `last` (local days, inclusive), grouped per day."""
    rows = db.session.execute(
        select(Appointment, Lead.name, Lead.phone)
        .join(Lead, Lead.id == Appointment.lead_id)
        .where(
            Appointment.starts_at >= _start(first),
            Appointment.starts_at < _start(last + timedelta(days=1)),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    days: dict[date, list[Item]] = {
        first + timedelta(days=n): [] for n in range((last - first).days + 1)
    }
    for appointment, name, phone in rows:
        item = Item(
            id=appointment.id,
            lead_id=appointment.lead_id,
            first_name=name.split()[0] if name.split() else name,
            kind=appointment.kind,
            phone=phone,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            status=appointment.status,
            past=appointment.starts_at <= now,
        )
        days.setdefault(booking.local_day(appointment.starts_at), []).append(item)
    return list(days.items())


@dataclass(frozen=True)
class Hours:
    """A kind's weekly hours as staff see them: what applies, and whether staff set it."""

    kind: str
    spec: str
    default: str
    overridden: bool


def hours() -> list[Hours]:
    """The effective weekly hours per call kind: staff's, else the setting's."""
    stored = dict(db.session.execute(select(BookingHours.kind, BookingHours.spec)).all())
    defaults = current_app.config["LEADGEN_HOURS"]
    return [
        Hours(
            kind=kind,
            spec=format_hours(booking.hours_for(kind)),
            default=format_hours(defaults[kind]),
            overridden=kind in stored,
        )
        for kind in CALL_KINDS
    ]


def read_hours(text: str) -> str:
    """The hours typed, checked and written the one way (`ma-vr 12:00-13:00`); HoursError."""
    return format_hours(parse_hours(text))


def save_hours(specs: dict[str, str], staff_id: int) -> list[str]:
    """Store each kind's hours that differ from what applies now; the kinds changed. Commit."""
    changed = []
    for kind, text in specs.items():
        spec = read_hours(text)
        if spec == format_hours(booking.hours_for(kind)):
            continue
        row = db.session.get(BookingHours, kind) or BookingHours(kind=kind)
        row.spec, row.updated_by_id = spec, staff_id
        row.updated_at = utcnow()
        db.session.add(row)
        audit.record("hours", staff_id, kind=kind, spec=spec or "-")
        changed.append(kind)
    db.session.commit()
    return changed


def reset_hours(kind: str, staff_id: int) -> bool:
    """Back to LEADGEN_HOURS_<KIND>: drop staff's hours of `kind`; False if none. Commit."""
    gone = db.session.execute(delete(BookingHours).where(BookingHours.kind == kind)).rowcount
    if gone:
        audit.record("hours_reset", staff_id, kind=kind)
    db.session.commit()
    return bool(gone)


def blocked_days(since: date) -> list[tuple[BlockedDay, int]]:
    """The blocked days from `since` on, each with how many booked appointments it still has."""
    rows = db.session.execute(
        select(BlockedDay).where(BlockedDay.day >= since).order_by(BlockedDay.day)
    ).scalars()
    return [(row, booked_on(row.day)) for row in rows]


def booked_on(day: date) -> int:
    """How many booked appointments start on `day` (local)."""
    return db.session.execute(
        select(func.count()).where(
            Appointment.status == "geboekt",
            Appointment.starts_at >= _start(day),
            Appointment.starts_at < _start(day + timedelta(days=1)),
        )
    ).scalar_one()


def block_day(day: date, note: str | None, staff_id: int) -> None:
    """Take `day` out of the bookable days, with an optional reason. AgendaError. Commit."""
    if not DATE_MIN <= day <= DATE_MAX:
        raise AgendaError("range")
    if db.session.get(BlockedDay, day) is not None:
        db.session.rollback()
        raise AgendaError("blocked")
    db.session.add(BlockedDay(day=day, note=note or None, created_by_id=staff_id))
    audit.record("day_blocked", staff_id, day=day.isoformat())
    db.session.commit()


def unblock_day(day: date, staff_id: int) -> bool:
    """Make `day` bookable again; False if it was not blocked. Commit."""
    gone = db.session.execute(delete(BlockedDay).where(BlockedDay.day == day)).rowcount
    if gone:
        audit.record("day_unblocked", staff_id, day=day.isoformat())
    db.session.commit()
    return bool(gone)


def _appointment(appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        db.session.rollback()
        raise AgendaError("missing")
    return appointment


def mark(appointment_id: int, status: str, staff_id: int, now: datetime) -> Appointment:
    """Mark a past appointment `geweest` or `niet verschenen` (a mark may be corrected). Commit."""
    if status not in MARKS:
        raise AgendaError("action")
    appointment = _appointment(appointment_id)
    if appointment.status == "geannuleerd":
        db.session.rollback()
        raise AgendaError("cancelled")
    if appointment.starts_at > now:
        db.session.rollback()
        raise AgendaError("future")
    if appointment.status != status:
        audit.record(
            "appointment_mark",
            staff_id,
            lead_id=appointment.lead_id,
            old=appointment.status,
            new=status,
        )
        appointment.status = status
        appointment.updated_at = now
    db.session.commit()
    return appointment


def cancel(appointment_id: int, staff_id: int, now: datetime) -> Appointment:
    """Cancel a booked, coming appointment: its moment is free again and the visitor gets the
    cancellation (METHOD:CANCEL) through the outbox. Commit.
    """
    appointment = _appointment(appointment_id)
    if appointment.status != "geboekt" or appointment.starts_at <= now:
        db.session.rollback()
        raise AgendaError("not_cancellable")
    db.session.execute(
        delete(AppointmentCell).where(AppointmentCell.appointment_id == appointment.id)
    )
    appointment.status = "geannuleerd"
    appointment.sequence += 1
    appointment.updated_at = now
    lead = db.session.get(Lead, appointment.lead_id)
    mails.draft_visitor(lead, appointment, "appointment_cancelled").store(lead)
    audit.record("appointment_cancel", staff_id, lead_id=appointment.lead_id)
    db.session.commit()
    return appointment
