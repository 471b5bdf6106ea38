"""An appointment's mails: the .ics (REQUEST, SEQUENCE, CANCEL) across summer and winter time,
the change link, the practice's notices, and one reminder a day before, however many workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from leadgen.appointments import reminders, service
from leadgen.extensions import db
from leadgen.mail.messages import build_message
from leadgen.models import Appointment, AppointmentReminder, Lead
from tests.factories import outbox_rows, said

AMS = ZoneInfo("Europe/Amsterdam")
COMPLAINT = "Zeurende pijn onder in de rug sinds de verhuizing"
# The clocks go back on Sunday 25 October 2026: Friday is summer time, Monday winter time.
NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
FRIDAY_NOON = datetime(2026, 10, 23, 10, 0, tzinfo=UTC)  # 12:00 CEST
MONDAY_NOON = datetime(2026, 10, 26, 11, 0, tzinfo=UTC)  # 12:00 CET


@pytest.fixture
def lead(create_lead):
    return create_lead(
        kind="pijncheck",
        name="Piet Jansen",
        email="piet@example.nl",
        phone="+31612345678",
        complaint=COMPLAINT,
    )


def _book(app, lead, start, lang="nl", now=NOW):
    with app.app_context():
        return service.book(lead.id, lead.secret, start, now, lang)


VISITOR = ("appointment_booked", "appointment_moved", "appointment_cancelled")


def _mails(app, *templates):
    return [row for row in outbox_rows(app) if row.template in templates]


def _invitation(app, row):
    """The message the worker would send for `row`, and its parsed .ics."""
    with app.app_context():
        message = build_message(row, app.config)
    [attachment] = list(message.iter_attachments())
    return message, attachment, Calendar.from_ical(attachment.get_content())


def test_the_confirmation_carries_a_request_in_utc_with_the_practice(app, lead, read):
    _book(app, lead, FRIDAY_NOON)
    [row] = _mails(app, *VISITOR)
    message, attachment, calendar = _invitation(app, row)
    assert attachment.get_param("method") == "REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    [appointment] = read(Appointment)
    assert str(event["UID"]) == appointment.uid
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == FRIDAY_NOON
    assert event.decoded("DTEND") == FRIDAY_NOON + timedelta(minutes=30)
    assert str(event["LOCATION"]) == "Neuroreset Fysiotherapie, Hoorn"
    assert "/afspraak/" in str(event["DESCRIPTION"])
    assert message["To"] == "Piet <piet@example.nl>"
    body = message.get_body(("plain",)).get_content()
    assert "vrijdag 23 oktober om 12:00" in body
    assert "/afspraak/" in body


def test_noon_stays_noon_in_amsterdam_across_the_change_to_winter_time(app, lead, create_lead):
    _book(app, lead, FRIDAY_NOON)
    other = create_lead(kind="adviesgesprek", email="anna@example.nl", phone="+31612345679")
    _book(app, other, MONDAY_NOON)
    starts = []
    for row in _mails(app, *VISITOR):
        _message, _attachment, calendar = _invitation(app, row)
        starts.append(calendar.walk("VEVENT")[0].decoded("DTSTART"))
    assert starts == [FRIDAY_NOON, MONDAY_NOON]
    assert [start.astimezone(AMS).strftime("%H:%M %Z") for start in starts] == [
        "12:00 CEST",
        "12:00 CET",
    ]
    assert starts[1] - starts[0] == timedelta(days=3, hours=1)


def test_a_move_sends_a_request_with_the_same_uid_and_a_higher_sequence(app, lead):
    _book(app, lead, FRIDAY_NOON)
    _book(app, lead, MONDAY_NOON)
    first, moved = _mails(app, *VISITOR)
    assert (first.template, moved.template) == ("appointment_booked", "appointment_moved")
    one = _invitation(app, first)[2].walk("VEVENT")[0]
    two = _invitation(app, moved)[2].walk("VEVENT")[0]
    assert str(one["UID"]) == str(two["UID"])
    assert (int(one["SEQUENCE"]), int(two["SEQUENCE"])) == (0, 1)
    assert two.decoded("DTSTART") == MONDAY_NOON
    assert "verzet" in moved.subject


def test_a_cancellation_sends_method_cancel(app, lead):
    _book(app, lead, FRIDAY_NOON)
    with app.app_context():
        service.cancel(lead.id, lead.secret)
    [cancelled] = _mails(app, "appointment_cancelled")
    _message, attachment, calendar = _invitation(app, cancelled)
    assert attachment.get_param("method") == "CANCEL"
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (1, "CANCELLED")
    assert "afgezegd" in cancelled.subject


def test_the_visitor_reads_their_mails_in_the_language_they_booked_in(app, lead):
    _book(app, lead, FRIDAY_NOON, lang="en")
    [row] = _mails(app, *VISITOR)
    assert "Friday 23 October at 12:00" in said(app, row).text
    assert "?lang=en" in said(app, row).text
    [staff] = _mails(app, "appointment_staff")
    assert "vrijdag 23 oktober om 12:00" in said(app, staff).text  # staff read Dutch


def test_staff_hear_of_each_booking_and_cancellation_without_the_complaint(app, lead):
    _book(app, lead, FRIDAY_NOON)
    _book(app, lead, MONDAY_NOON)
    with app.app_context():
        service.cancel(lead.id, lead.secret)
    rows = _mails(app, "appointment_staff")
    assert [row.subject.split(":")[0] for row in rows] == [
        "Afspraak geboekt",
        "Afspraak verzet",
        "Afspraak afgezegd",
    ]
    assert {row.to_addr for row in rows} == {"praktijk@example.nl"}
    assert all(f"/admin/leads/{lead.id}" in said(app, row).text for row in rows)
    for row in outbox_rows(app):
        with app.app_context():
            raw = build_message(row, app.config).as_string()
        assert "Zeurende" not in raw and "verhuizing" not in raw


def _remind(app, now) -> int:
    with app.app_context():
        return reminders.queue_due(now)


def test_one_reminder_about_a_day_before(app, lead, read):
    _book(app, lead, MONDAY_NOON)
    assert _remind(app, MONDAY_NOON - timedelta(hours=25)) == 0  # not yet
    assert _remind(app, MONDAY_NOON - timedelta(hours=23)) == 1
    assert _remind(app, MONDAY_NOON - timedelta(hours=22)) == 0  # never twice
    [row] = _mails(app, "appointment_reminder")
    assert "Herinnering" in row.subject and "maandag 26 oktober om 12:00" in row.subject
    assert len(read(AppointmentReminder)) == 1


def test_a_moved_appointment_is_reminded_of_its_new_moment(app, lead):
    _book(app, lead, FRIDAY_NOON)
    assert _remind(app, FRIDAY_NOON - timedelta(hours=20)) == 1
    _book(app, lead, MONDAY_NOON, now=FRIDAY_NOON - timedelta(hours=19))
    assert _remind(app, MONDAY_NOON - timedelta(hours=20)) == 1


def test_no_reminder_for_a_moment_booked_within_the_day_or_cancelled(app, lead, create_lead):
    _book(app, lead, FRIDAY_NOON, now=FRIDAY_NOON - timedelta(hours=5))
    other = create_lead(kind="adviesgesprek", email="anna@example.nl")
    _book(app, other, MONDAY_NOON)
    with app.app_context():
        service.cancel(other.id, other.secret)
    assert _remind(app, FRIDAY_NOON - timedelta(hours=3)) == 0
    assert _remind(app, MONDAY_NOON - timedelta(hours=3)) == 0


def test_two_workers_at_once_queue_one_reminder(app, lead, read):
    _book(app, lead, MONDAY_NOON)
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            counts.append(reminders.queue_due(MONDAY_NOON - timedelta(hours=23)))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 0, 0, 1]
    assert len(_mails(app, "appointment_reminder")) == 1


def test_mail_send_now_queues_and_sends_the_reminder_once(app, lead):
    _book(app, lead, MONDAY_NOON)
    runner = app.test_cli_runner()
    when = (MONDAY_NOON - timedelta(hours=23)).strftime("%Y-%m-%dT%H:%M:%S%z")
    first = runner.invoke(args=["mail", "send", "--now", when])
    assert "Klaargezet: 1." in first.output, first.output
    second = runner.invoke(args=["mail", "send", "--now", when])
    assert "Klaargezet" not in second.output
    reminders_sent = _mails(app, "appointment_reminder")
    assert [m.status for m in reminders_sent] == ["sent"]


def test_an_erased_lead_gets_no_reminder(app, lead):
    _book(app, lead, MONDAY_NOON)
    with app.app_context():
        db.session.execute(db.delete(Lead))
        db.session.commit()
    assert _remind(app, MONDAY_NOON - timedelta(hours=23)) == 0
