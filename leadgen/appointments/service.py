"""Booking, moving and cancelling a lead's appointment, and the free moments a visitor sees.

The database, not this code, stands between two visitors and one moment: a booking inserts
the agenda cells its moment covers (AppointmentCell, primary key (cell_start, seat)) in its own
transaction, and a second booking of a full cell fails on that key. The checks here give the
visitor a clear answer; the key keeps the agenda right when two answers cross.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from leadgen import moments, tokens
from leadgen.appointments import mails
from leadgen.extensions import begin_read, db
from leadgen.hours import HoursError, parse_hours
from leadgen.models import Appointment, AppointmentCell, BlockedDay, BookingHours, Lead, utcnow
from leadgen.vocab import CALL_KINDS


class Taken(Exception):
    """The moment was free when the page was shown, and is not any more."""


class NotAMoment(Exception):
    """The value is no moment one can book (off the hours, outside the window, not a time)."""


@dataclass(frozen=True)
class Booked:
    """A lead's booked appointment, in plain values."""

    starts_at: datetime
    ends_at: datetime
    kind: str


@dataclass(frozen=True)
class Visitor:
    """The lead behind a valid booking link."""

    lead_id: int
    owner: str
    kind: str
    booked: Booked | None


def zone() -> ZoneInfo:
    return current_app.config["LEADGEN_TZ"]  # parsed and checked at start-up


def visitor(token: str) -> Visitor:
    """The lead a booking link belongs to, or TokenError; a read that takes no write lock."""
    lead_id, owner = tokens.read_lead_token("appointment", token, tokens.APPOINTMENT_MAX_AGE)
    begin_read()
    try:
        lead = _lead(lead_id, owner)
        return Visitor(lead_id, owner, lead.kind, _booked(_current(lead_id)))
    finally:
        db.session.rollback()


def _lead(lead_id: int, owner: str) -> Lead:
    lead = db.session.execute(
        select(Lead).where(Lead.id == lead_id, Lead.secret == owner, Lead.kind.in_(CALL_KINDS))
    ).scalar_one_or_none()
    if lead is None:
        raise tokens.TokenError(expired=False)
    return lead


def _current(lead_id: int) -> Appointment | None:
    return db.session.execute(
        select(Appointment).where(Appointment.lead_id == lead_id, Appointment.status == "geboekt")
    ).scalar_one_or_none()


def _booked(appointment: Appointment | None) -> Booked | None:
    if appointment is None:
        return None
    return Booked(appointment.starts_at, appointment.ends_at, appointment.kind)


def hours_for(kind: str):
    """The weekly hours of `kind`: what staff set in the admin, else the setting."""
    spec = db.session.execute(
        select(BookingHours.spec).where(BookingHours.kind == kind)
    ).scalar_one_or_none()
    if spec is not None:
        try:
            return parse_hours(spec)
        except HoursError:  # the admin checks what it stores; this is a row edited by hand
            current_app.logger.error("booking_hours for %s cannot be read: %r", kind, spec)
    return current_app.config["LEADGEN_HOURS"][kind]


def rules_for(kind: str, now: datetime) -> moments.Rules:
    """Everything but the agenda that decides which moments of `kind` are bookable at `now`."""
    config = current_app.config
    horizon = timedelta(days=config["LEADGEN_BOOKING_DAYS"])
    local_today = now.astimezone(zone()).date()
    blocked = db.session.execute(
        select(BlockedDay.day).where(
            BlockedDay.day >= local_today - timedelta(days=1),
            BlockedDay.day <= local_today + horizon + timedelta(days=1),
        )
    ).scalars()
    return moments.Rules(
        hours=hours_for(kind),
        slot_minutes=config[f"LEADGEN_SLOT_MINUTES_{kind.upper()}"],
        zone=zone(),
        notice=timedelta(hours=config["LEADGEN_BOOKING_NOTICE_HOURS"]),
        horizon=horizon,
        capacity=config["LEADGEN_BOOKING_CAPACITY"],
        blocked=frozenset(blocked),
    )


def taken_cells(first: datetime, last: datetime, lead_id: int | None) -> dict[datetime, int]:
    """How many seats each cell from `first` to `last` has taken, the lead's own not counted."""
    query = (
        select(AppointmentCell.cell_start, func.count())
        .where(AppointmentCell.cell_start >= first, AppointmentCell.cell_start < last)
        .group_by(AppointmentCell.cell_start)
    )
    if lead_id is not None:
        own = select(Appointment.id).where(Appointment.lead_id == lead_id)
        query = query.where(AppointmentCell.appointment_id.not_in(own))
    return {cell: count for cell, count in db.session.execute(query)}


def free_moments(kind: str, lead_id: int | None, now: datetime) -> list[datetime]:
    """The moments of `kind` a visitor may book at `now` (their own booking counts as free)."""
    begin_read()
    try:
        rules = rules_for(kind, now)
        first, last = moments.window(now, rules)
        taken = taken_cells(first, last + timedelta(minutes=rules.slot_minutes), lead_id)
        return moments.free_moments(now, rules, taken)
    finally:
        db.session.rollback()


def parse_slot(value: str) -> datetime:
    """A slot value as the form sends it (`2026-12-03T11:00:00Z`) as a UTC instant."""
    if not isinstance(value, str) or len(value) != 20 or not value.endswith("Z"):
        raise NotAMoment(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise NotAMoment(value) from None
    if parsed.second or parsed.microsecond:
        raise NotAMoment(value)
    return parsed


def book(lead_id: int, owner: str, start: datetime, now: datetime, lang: str) -> Booked:
    """Book (or move to) `start` for the lead; commit with its mails. Raises Taken or NotAMoment.

    On PostgreSQL two bookings can pick the same seat of a cell at once; the one that loses meets
    the primary key, rolls back and looks again (a seat may still be free where capacity > 1).
    """
    capacity = current_app.config["LEADGEN_BOOKING_CAPACITY"]
    for _attempt in range(capacity + 1):
        try:
            return _book(lead_id, owner, start, now, lang)
        except IntegrityError:
            db.session.rollback()
    raise Taken(start)


def _book(lead_id: int, owner: str, start: datetime, now: datetime, lang: str) -> Booked:
    try:
        lead = _lead(lead_id, owner)
        rules = rules_for(lead.kind, now)
        if not moments.is_bookable(start, now, rules):
            raise NotAMoment(start)
        current = _current(lead_id)
        if current is not None and current.starts_at == start:
            booked = _booked(current)
            db.session.rollback()
            return booked
        seats = _seats(start, rules, lead_id)
        end = start + timedelta(minutes=rules.slot_minutes)
        moved = current is not None
        if current is None:
            current = Appointment(
                lead_id=lead_id, kind=lead.kind, starts_at=start, ends_at=end, created_at=now
            )
            db.session.add(current)
        else:
            db.session.execute(
                delete(AppointmentCell).where(AppointmentCell.appointment_id == current.id)
            )
            current.starts_at, current.ends_at = start, end
            current.sequence += 1
        current.lang, current.updated_at = lang, now
        db.session.flush()
        db.session.execute(
            insert(AppointmentCell),
            [
                {"cell_start": cell, "seat": seat, "appointment_id": current.id}
                for cell, seat in seats.items()
            ],
        )
        if lead.status != "patiënt":
            lead.status = "afspraak"
        mails.queue_booked(lead, current, moved)
        booked = _booked(current)
        db.session.commit()
        return booked
    except (Taken, NotAMoment, tokens.TokenError):
        db.session.rollback()
        raise


def _seats(start: datetime, rules: moments.Rules, lead_id: int) -> dict[datetime, int]:
    """A free seat for each cell of the moment at `start`, or Taken."""
    cells = moments.cells(start, rules.slot_minutes)
    own = select(Appointment.id).where(Appointment.lead_id == lead_id)
    used: dict[datetime, set[int]] = {cell: set() for cell in cells}
    rows = db.session.execute(
        select(AppointmentCell.cell_start, AppointmentCell.seat).where(
            AppointmentCell.cell_start.in_(cells), AppointmentCell.appointment_id.not_in(own)
        )
    )
    for cell, seat in rows:
        used[cell].add(seat)
    seats = {}
    for cell in cells:
        free = [seat for seat in range(1, rules.capacity + 1) if seat not in used[cell]]
        if not free:
            raise Taken(start)
        seats[cell] = free[0]
    return seats


def cancel(lead_id: int, owner: str) -> Booked | None:
    """Cancel the lead's booked appointment, if any, with its mails; commit. TokenError."""
    lead = _lead(lead_id, owner)
    current = _current(lead_id)
    if current is None:
        db.session.rollback()
        return None
    db.session.execute(delete(AppointmentCell).where(AppointmentCell.appointment_id == current.id))
    current.status = "geannuleerd"
    current.sequence += 1
    current.updated_at = utcnow()
    mails.queue_cancelled(lead, current)
    cancelled = _booked(current)
    db.session.commit()
    return cancelled


def local_day(moment: datetime) -> date:
    """The practice's date of `moment`."""
    return moment.astimezone(zone()).date()
