"""The appointment tables: booked moments, the agenda cells that forbid double booking, hours."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leadgen.columns import NO_REUSE, UTCDateTime, in_check, utcnow
from leadgen.extensions import db
from leadgen.vocab import APPOINTMENT_STATUSES, CALL_KINDS

if TYPE_CHECKING:
    from leadgen.models import Lead


def new_uid() -> str:
    """A calendar UID (RFC 5545 3.8.4.7): globally unique, and the same for every change."""
    return f"{uuid.uuid4()}@leadgen"


class Appointment(db.Model):
    """A booked moment of one lead: a call or a pain check, from `starts_at` to `ends_at` (UTC).

    Moving it changes the times and raises `sequence` (the same `uid`, so a calendar updates
    the event it has); a lead holds at most one "geboekt" appointment, which the database
    enforces with a partial unique index. Cancelled, attended and missed ones stay as history.
    """

    __tablename__ = "appointment"
    __table_args__ = (
        CheckConstraint(in_check("kind", CALL_KINDS), name="kind"),
        CheckConstraint(in_check("status", APPOINTMENT_STATUSES), name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index(
            "uq_appointment_lead_booked",
            "lead_id",
            unique=True,
            sqlite_where=text("status = 'geboekt'"),
            postgresql_where=text("status = 'geboekt'"),
        ),
        Index("ix_appointment_starts_at", "starts_at"),
        NO_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="geboekt")
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # The language the visitor booked in: their confirmation, reminder and cancellation use it.
    lang: Mapped[str] = mapped_column(String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="appointments")
    cells: Mapped[list[AppointmentCell]] = relationship(
        back_populates="appointment", cascade="all, delete-orphan", passive_deletes=True
    )


class AppointmentCell(db.Model):
    """One 5-minute cell of the agenda that an appointment holds, on one of its seats.

    The primary key (cell_start, seat) is what makes double booking impossible, on every
    database and with any number of app servers: an appointment holds every cell it covers,
    each on a seat 1..LEADGEN_BOOKING_CAPACITY, so a cell can never be held more often than
    there are seats. Booking inserts the cells in the appointment's own transaction; a second
    booking of a full cell fails on this key and rolls back whole (docs/appointments.md).
    """

    __tablename__ = "appointment_cell"
    __table_args__ = (CheckConstraint("seat >= 1", name="seat"),)

    cell_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    seat: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointment.id", ondelete="CASCADE"), index=True
    )

    appointment: Mapped[Appointment] = relationship(back_populates="cells")


class AppointmentReminder(db.Model):
    """That the reminder for an appointment at this start was queued: at most once, by key.

    Two mail workers that find the same reminder due both try to insert this row with the
    reminder mail; one wins, the other rolls back. A moved appointment gets a new start, and
    so a reminder of its own.
    """

    __tablename__ = "appointment_reminder"

    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointment.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookingHours(db.Model):
    """Weekly hours of a call kind as staff set them (`ma-vr 12:00-13:00`), over the settings.

    No row: LEADGEN_HOURS_<KIND> applies. An empty `spec` means no bookable hours at all.
    """

    __tablename__ = "booking_hours"
    __table_args__ = (CheckConstraint(in_check("kind", CALL_KINDS), name="kind"),)

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    spec: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class BlockedDay(db.Model):
    """A day (in the practice's time zone) without bookable moments: a holiday, a course."""

    __tablename__ = "blocked_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
