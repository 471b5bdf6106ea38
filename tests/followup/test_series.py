"""The series' rules: who gets it, on which days, once, one a day, and when it stops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from leadgen.admin import service as admin
from leadgen.extensions import db
from leadgen.followup import series
from leadgen.models import Consent, Lead, OutboxMail, SeriesMail
from tests.factories import deliver, outbox_rows
from tests.followup.conftest import REQUESTED, days


def queued(app) -> list[tuple[int, int]]:
    """(lead id, step) of every series mail queued so far."""
    with app.app_context():
        rows = db.session.execute(db.select(SeriesMail.lead_id, SeriesMail.step)).all()
        return sorted((row.lead_id, row.step) for row in rows)


def series_mails(app) -> list[OutboxMail]:
    return [mail for mail in outbox_rows(app) if mail.template.startswith("followup_")]


def test_a_confirmed_reader_gets_each_mail_on_its_day(app, reader, smtp_server):
    lead = reader()
    assert deliver(app, now=days(2) - timedelta(minutes=1)).queued == 0
    report = deliver(app, now=days(2))
    assert (report.queued, report.sent) == (1, 1)
    assert deliver(app, now=days(6.9)).queued == 0
    assert deliver(app, now=days(7)).queued == 1
    assert deliver(app, now=days(14)).queued == 1
    assert deliver(app, now=days(30)).queued == 0  # three mails, then done
    assert queued(app) == [(lead, 1), (lead, 2), (lead, 3)]
    assert [mail.template for mail in series_mails(app)] == [
        "followup_1",
        "followup_2",
        "followup_3",
    ]
    assert len(smtp_server.received) == 3


@pytest.mark.parametrize(
    ("confirmed", "kind"),
    [(False, "ebook"), (None, "ebook"), (True, "adviesgesprek"), (True, "pijncheck")],
    ids=["unconfirmed", "no-newsletter", "adviesgesprek", "pijncheck"],
)
def test_only_readers_who_confirmed_the_newsletter_get_it(app, reader, confirmed, kind):
    reader(confirmed=confirmed, kind=kind, phone="+31612345678" if kind != "ebook" else None)
    assert deliver(app, now=days(15)).queued == 0
    assert queued(app) == []


def _withdraw(lead_id: int) -> None:
    db.session.execute(
        update(Consent).where(Consent.lead_id == lead_id).values(withdrawn_at=days(1))
    )


def _status(value: str):
    def change(lead_id: int) -> None:
        db.session.execute(update(Lead).where(Lead.id == lead_id).values(status=value))

    return change


def _staff_stop(lead_id: int) -> None:
    series.stop(lead_id)


STOPS = {
    "withdrew-consent": _withdraw,
    "afspraak": _status("afspraak"),
    "patiënt": _status("patiënt"),
    "geen-interesse": _status("geen interesse"),
    "staff-stopped": _staff_stop,
}


@pytest.mark.parametrize("stop", STOPS.values(), ids=STOPS.keys())
def test_the_series_stops(app, reader, stop):
    lead = reader()
    assert deliver(app, now=days(2)).queued == 1
    with app.app_context():
        stop(lead)
        db.session.commit()
    assert deliver(app, now=days(7)).queued == 0
    assert deliver(app, now=days(14)).queued == 0
    assert queued(app) == [(lead, 1)]


def test_the_series_stops_when_the_reader_asks_for_a_call(app, reader):
    lead = reader(email="anna@example.nl")
    reader(confirmed=None, kind="pijncheck", email="anna@example.nl", phone="+31612345678")
    assert deliver(app, now=days(2)).queued == 0
    with app.app_context():
        assert series.progress(db.session.get(Lead, lead)).stopped == "call_requested"


def test_the_series_stops_for_a_reader_with_a_booked_moment(app, reader):
    from leadgen.models import Appointment

    lead = reader(email="anna@example.nl")
    call = reader(confirmed=None, kind="adviesgesprek", email="anna@example.nl")
    with app.app_context():
        db.session.add(
            Appointment(lead_id=call, kind="adviesgesprek", starts_at=days(3), ends_at=days(3.01))
        )
        db.session.commit()
        assert series.progress(db.session.get(Lead, lead)).stopped == "appointment"
        db.session.execute(update(Appointment).values(status="geannuleerd"))
        db.session.commit()
        # Cancelled, the call request alone still stops it: the reader asked for help.
        assert series.progress(db.session.get(Lead, lead)).stopped == "call_requested"
    assert deliver(app, now=days(2)).queued == 0


def test_an_erased_reader_gets_nothing_more(app, reader):
    reader(email="anna@example.nl")
    assert deliver(app, now=days(2)).queued == 1
    with app.app_context():
        admin.erase_email("anna@example.nl")
    assert deliver(app, now=days(7)).queued == 0
    assert queued(app) == []  # the series rows went with the person, and its mails
    assert series_mails(app) == []


def test_a_status_that_changes_back_lets_the_series_go_on(app, reader):
    lead = reader()
    with app.app_context():
        _status("afspraak")(lead)
        db.session.commit()
    assert deliver(app, now=days(2)).queued == 0
    with app.app_context():
        _status("gebeld")(lead)
        db.session.commit()
    assert deliver(app, now=days(2.5)).queued == 1
    assert queued(app) == [(lead, 1)]


def test_a_mail_waiting_in_the_outbox_is_withheld_after_unsubscribing(app, reader, smtp_server):
    lead = reader()
    with app.app_context():
        assert series.queue_due(days(2)) == 1  # queued; the server was down, say
        _withdraw(lead)
        db.session.commit()
    report = deliver(app, now=days(2.1))
    assert report.sent == 0
    assert smtp_server.received == []
    [mail] = series_mails(app)
    assert (mail.status, mail.last_error) == (
        "failed",
        "Niet verstuurd: de opvolgreeks is gestopt.",
    )


def test_a_pass_repeated_at_the_same_moment_queues_nothing_twice(app, reader):
    lead = reader()
    for _ in range(3):
        deliver(app, now=days(2))
    deliver(app, now=days(7))
    deliver(app, now=days(7))
    assert queued(app) == [(lead, 1), (lead, 2)]
    assert len(series_mails(app)) == 2


def test_catching_up_sends_the_earliest_missing_mail_once_then_one_a_day(app, reader):
    """The worker was down from day 1 to day 20: all three are due, one goes each day."""
    lead = reader()
    first = deliver(app, now=days(20))
    assert first.queued == 1
    assert queued(app) == [(lead, 1)]
    assert deliver(app, now=days(20.5)).queued == 0  # the same day
    assert deliver(app, now=days(21) - timedelta(minutes=1)).queued == 0  # not a day later yet
    assert deliver(app, now=days(21)).queued == 1
    assert deliver(app, now=days(22)).queued == 1
    assert queued(app) == [(lead, 1), (lead, 2), (lead, 3)]
    with app.app_context():
        moments = db.session.execute(db.select(SeriesMail.day).order_by(SeriesMail.step)).scalars()
        assert len(set(moments)) == 3  # three different days


def test_the_database_refuses_a_step_twice_and_two_mails_a_day(app, reader):
    lead = reader()
    first, second = REQUESTED.date(), REQUESTED.date() + timedelta(days=1)
    pairs = [
        ({"step": 1, "day": first}, {"step": 1, "day": second}),  # one step twice
        ({"step": 1, "day": first}, {"step": 2, "day": first}),  # two mails on one day
    ]
    with app.app_context():
        for one, other in pairs:
            db.session.execute(insert(SeriesMail).values(lead_id=lead, queued_at=REQUESTED, **one))
            db.session.commit()
            with pytest.raises(IntegrityError):
                db.session.execute(
                    insert(SeriesMail).values(lead_id=lead, queued_at=REQUESTED, **other)
                )
            db.session.rollback()
            db.session.execute(db.delete(SeriesMail))
            db.session.commit()


def test_a_request_from_long_ago_is_not_started(app, reader):
    reader(at=REQUESTED - timedelta(days=60))
    assert deliver(app, now=days(0)).queued == 0


def test_an_empty_setting_turns_the_series_off(make_app, smtp_server, reader):
    reader()
    app = make_app(LEADGEN_SMTP_URL=smtp_server.url, LEADGEN_FOLLOWUP_DAYS="")
    assert deliver(app, now=days(15)).queued == 0


def test_fewer_days_send_fewer_mails(make_app, smtp_server, reader):
    lead = reader()
    app = make_app(LEADGEN_SMTP_URL=smtp_server.url, LEADGEN_FOLLOWUP_DAYS="1,3")
    for n in (1, 3, 14):
        deliver(app, now=days(n))
    assert queued(app) == [(lead, 1), (lead, 2)]
