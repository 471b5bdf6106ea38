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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, request
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


@dataclass(frozen=True)
class Feed:
    """A feed's text and its entity tag, the hash of everything the text is made of."""

    body: str
    etag: str


# The last feed made in this process: calendar apps poll every few minutes and mostly find the
# agenda unchanged, and icalendar takes about a millisecond an event. One entry only, so the
# text of a person erased since is gone from memory at the next poll.
_last: list[Feed] = []


def calendar_for(secret: str, now: datetime) -> Feed | None:
    """The feed behind `secret`, or None for no (active) feed."""
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
        rows = _rows(now)
    finally:
        db.session.rollback()
    config = current_app.config
    made_of = repr((rows, *(config[key] for key in SHOWN_SETTINGS)))
    etag = hashlib.sha256(made_of.encode()).hexdigest()[:32]
    if _last and _last[0].etag == etag:
        return _last[0]
    with force_locale(i18n.DEFAULT):
        feed = Feed(_render(rows), etag)
    _last[:] = [feed]
    return feed


#: The settings the feed's text shows besides the rows.
SHOWN_SETTINGS = (
    "LEADGEN_BASE_URL",
    "LEADGEN_PRACTICE_NAME",
    "LEADGEN_PRACTICE_ADDRESS",
    "LEADGEN_PRACTICE_CITY",
    "LEADGEN_TIMEZONE",
)


def _rows(now: datetime) -> list[tuple]:
    horizon = timedelta(days=current_app.config["LEADGEN_BOOKING_DAYS"] + 1)
    return [
        tuple(row)
        for row in db.session.execute(
            select(
                Appointment.lead_id,
                Appointment.kind,
                Appointment.uid,
                Appointment.sequence,
                Appointment.status,
                Appointment.starts_at,
                Appointment.ends_at,
                Appointment.updated_at,
                Lead.name,
                Lead.phone,
            )
            .join(Lead, Lead.id == Appointment.lead_id)
            .where(
                Appointment.status.in_(HOLDING_STATUSES),
                Appointment.starts_at >= now - HISTORY,
                Appointment.starts_at <= now + horizon,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    ]


def _render(rows: list[tuple]) -> str:
    # No METHOD: a published calendar, whose DTSTAMP is when an event was last changed
    # (RFC 5545 3.8.7.2), so the same agenda gives the same text and the same ETag.
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = _("Afspraken %(practice)s", practice=current_app.config["LEADGEN_PRACTICE_NAME"])
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", current_app.config["LEADGEN_TIMEZONE"])
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    lead_url = links.external("admin.lead", lead_id=0).removesuffix("/0") + "/{}"
    locations = {kind: words.location(kind) for kind in KIND_LABELS}
    for row in rows:
        calendar.add_component(_event(*row, lead_url=lead_url, location=locations[row[1]]))
    return calendar.to_ical().decode()


def _event(
    lead_id: int,
    kind: str,
    uid: str,
    sequence: int,
    status: str,
    starts_at: datetime,
    ends_at: datetime,
    updated_at: datetime,
    full_name: str,
    number: str | None,
    lead_url: str,
    location: str | None,
) -> Event:
    first_name = full_name.split()[0] if full_name.split() else full_name
    shown = phone.for_display(number) if number else ""
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", updated_at.astimezone(UTC))
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", f"{KIND_LABELS[kind]}: {first_name}")
    lines = [_("Telefoon: %(phone)s", phone=shown) if shown else _("Geen telefoonnummer")]
    if status != "geboekt":
        lines.append(str(APPOINTMENT_STATUS_LABELS[status]))
    lines.append(lead_url.format(lead_id))
    event.add("description", "\n".join(lines))
    if location:
        event.add("location", location)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


@bp.get("/agenda/<secret>.ics")
def calendar(secret: str):
    feed = calendar_for(secret, utcnow())
    if feed is None:
        abort(404)
    response = Response(feed.body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    # Kept by the calendar app only, and asked again each time: an unchanged agenda is a 304.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.set_etag(feed.etag)
    return response.make_conditional(request)
