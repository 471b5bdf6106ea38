"""A calendar invitation stored with an outbox row travels as `afspraak.ics` over real SMTP."""

from __future__ import annotations

from icalendar import Calendar

from leadgen.mail.messages import CALENDAR
from tests.factories import add_mails, deliver

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//NL\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:1@leadgen\r\nDTSTAMP:20261201T100000Z\r\n"
    "DTSTART:20261203T110000Z\r\nDTEND:20261203T112000Z\r\nSUMMARY:Afspraak\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_the_invitation_is_attached_as_text_calendar_with_its_method(app, smtp_server):
    add_mails(app, headers={CALENDAR: {"method": "REQUEST", "ics": ICS}, "lang": "en"})
    assert deliver(app).sent == 1
    [received] = smtp_server.received
    message = received.message
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "afspraak.ics"
    event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert str(event["UID"]) == "1@leadgen"
    # the bodies are still there, and the language stays on the message itself
    assert message.get_body(("plain",)).get_content().strip() == "tekst"
    assert message["Content-Language"] == "en"


def test_a_row_without_a_known_method_attaches_nothing(app, smtp_server):
    add_mails(app, headers={CALENDAR: {"method": "PUBLISH", "ics": ICS}})
    add_mails(app, headers={CALENDAR: "REQUEST"}, message_id="<test.x@example.nl>")
    assert deliver(app).sent == 2
    assert all(list(r.message.iter_attachments()) == [] for r in smtp_server.received)
