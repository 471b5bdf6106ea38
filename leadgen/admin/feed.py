"""A staff member's private iCal feed of the agenda: `/agenda/<secret>.ics`, made and revoked.

A calendar app subscribes to the URL and polls it; it cannot log in, so the long random secret
in the URL is the key. Only its SHA-256 is stored (like a staff session's key), a new feed
replaces the old one, and revoking it makes the URL answer 404. The feed carries first name,
kind and phone only: never the complaint, the e-mail address or the surname. Each event has
the appointment's UID, the one its mails' invitations carry, so a calendar that has both
shows one event (RFC 5545 3.8.4.7).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import delete, select

from leadgen import i18n, links, phone
from leadgen.admin import audit
from leadgen.appointments import words
from leadgen.extensions import begin_read, db
from leadgen.models import Appointment, CalendarFeed, Lead, Staff, utcnow
from leadgen.vocab import APPOINTMENT_STATUS_LABELS, HOLDING_STATUSES, KIND_LABELS

bp = Blueprint("feed", __name__)

PRODID = "-//leadgen//agenda//NL"
#: The feed shows appointments from this long ago up to the end of the booking horizon.
HISTORY = timedelta(days=30)
#: A secret has 256 random bits; anything much longer in the URL is not one of ours.
SECRET_BYTES = 32
MAX_SECRET_LENGTH = 100


def _hash(secret: str) -> str:
    # The secret is random (256 bits): a plain SHA-256 cannot be reversed or guessed.
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_url(secret: str) -> str:
    return links.external("feed.calendar", secret=secret)


def make(staff_id: int) -> str:
    """A new feed for the staff member, replacing any old one; return its secret. Commit."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    row = db.session.get(CalendarFeed, staff_id) or CalendarFeed(staff_id=staff_id)
    row.secret_hash, row.created_at = _hash(secret), utcnow()
    db.session.add(row)
    audit.record("feed_made", staff_id)
    db.session.commit()
    return secret


def revoke(staff_id: int) -> bool:
    """End the staff member's feed; False if there was none. Commit."""
    gone = db.session.execute(delete(CalendarFeed).where(CalendarFeed.staff_id == staff_id))
    if gone.rowcount:
        audit.record("feed_revoked", staff_id)
    db.session.commit()
    return bool(gone.rowcount)


def made_at(staff_id: int) -> datetime | None:
    """When the staff member's current feed was made, or None without one."""
    return db.session.execute(
        select(CalendarFeed.created_at).where(CalendarFeed.staff_id == staff_id)
    ).scalar_one_or_none()


def _valid(secret: str) -> bool:
    return (
        0 < len(secret) <= MAX_SECRET_LENGTH
        and secret.isascii()
        and all(ch.isalnum() or ch in "-_" for ch in secret)
    )


def calendar_for(secret: str, now: datetime) -> str | None:
    """The iCalendar text of the feed behind `secret`, or None for no (active) feed."""
    if not _valid(secret):
        return None
    begin_read()
    try:
        owner = db.session.execute(
            select(CalendarFeed.staff_id)
            .join(Staff, Staff.id == CalendarFeed.staff_id)
            .where(CalendarFeed.secret_hash == _hash(secret), Staff.active.is_(True))
        ).scalar_one_or_none()
        if owner is None:
            return None
        horizon = timedelta(days=current_app.config["LEADGEN_BOOKING_DAYS"] + 1)
        rows = db.session.execute(
            select(Appointment, Lead.name, Lead.phone)
            .join(Lead, Lead.id == Appointment.lead_id)
            .where(
                Appointment.status.in_(HOLDING_STATUSES),
                Appointment.starts_at >= now - HISTORY,
                Appointment.starts_at <= now + horizon,
            )
            .order_by(Appointment.starts_at)
        ).all()
        with force_locale(i18n.DEFAULT):
            return _render(rows, now)
    finally:
        db.session.rollback()


def _render(rows, now: datetime) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = _("Afspraken %(practice)s", practice=current_app.config["LEADGEN_PRACTICE_NAME"])
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", current_app.config["LEADGEN_TIMEZONE"])
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for appointment, full_name, number in rows:
        calendar.add_component(_event(appointment, full_name, number, now))
    return calendar.to_ical().decode()


def _event(appointment: Appointment, full_name: str, number: str | None, now: datetime) -> Event:
    first_name = full_name.split()[0] if full_name.split() else full_name
    kind = str(KIND_LABELS[appointment.kind])
    shown = phone.for_display(number) if number else ""
    event = Event()
    event.add("uid", appointment.uid)
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("last-modified", appointment.updated_at.astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", f"{kind}: {first_name}")
    lines = [_("Telefoon: %(phone)s", phone=shown) if shown else _("Geen telefoonnummer")]
    if appointment.status != "geboekt":
        lines.append(str(APPOINTMENT_STATUS_LABELS[appointment.status]))
    lines.append(links.external("admin.lead", lead_id=appointment.lead_id))
    event.add("description", "\n".join(lines))
    location = words.location(appointment.kind)
    if location:
        event.add("location", location)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


@bp.get("/agenda/<secret>.ics")
def calendar(secret: str):
    body = calendar_for(secret, utcnow())
    if body is None:
        abort(404)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
