"""The calendar invitation (.ics) of an appointment: METHOD:REQUEST to book or move, CANCEL.

iTIP (RFC 5546) over e-mail: a REQUEST with the event's UID puts it in the reader's calendar;
a later REQUEST with the same UID and a higher SEQUENCE replaces it, and a CANCEL with a higher
SEQUENCE takes it out (RFC 5545 3.8.4.7 UID, 3.8.7.4 SEQUENCE; RFC 5546 3.2.2, 3.2.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//leadgen//afspraken//NL"


@dataclass(frozen=True)
class Invite:
    """What the invitation says, in plain values (never the visitor's complaint)."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str | None
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str | None
    url: str | None


def render(invite: Invite, method: str, now: datetime) -> str:
    """The iCalendar text of `invite` for `method` ("REQUEST" or "CANCEL")."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", invite.starts_at.astimezone(UTC))
    event.add("dtend", invite.ends_at.astimezone(UTC))
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    if invite.url:
        event.add("url", invite.url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{invite.organizer_email}")
    organizer.params["cn"] = vText(invite.organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{invite.attendee_email}")
    if invite.attendee_name:
        attendee.params["cn"] = vText(invite.attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode()
