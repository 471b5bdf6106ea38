"""The staff's morning digest: at 08:00 in Amsterdam, whom to call and who asked; once a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError

from leadgen.extensions import db
from leadgen.models import StaffDigest
from tests.factories import deliver, outbox_rows, together
from tests.mail import conftest as mail_fixtures

# 08:00 in Amsterdam on Wednesday 2 December 2026 (winter time, UTC+1).
EIGHT = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
DAY = date(2026, 12, 2)
# The real SMTP server of the mail tests, for these tests too.
start_smtp = mail_fixtures.start_smtp
smtp_server = mail_fixtures.smtp_server


@pytest.fixture
def app(make_app, smtp_server) -> Flask:
    return make_app(LEADGEN_SMTP_URL=smtp_server.url, LEADGEN_DIGEST_TIME="08:00")


def digests(app) -> list:
    return [mail for mail in outbox_rows(app) if mail.template == "staff_digest"]


@pytest.mark.parametrize(
    ("before", "at"),
    [
        (EIGHT - timedelta(minutes=1), EIGHT),
        # Summer time: 08:00 in Amsterdam is 06:00 UTC.
        (datetime(2026, 7, 1, 5, 59, tzinfo=UTC), datetime(2026, 7, 1, 6, 0, tzinfo=UTC)),
    ],
    ids=["winter", "summer"],
)
def test_the_digest_goes_at_eight_in_the_practices_time_zone(app, before, at):
    assert deliver(app, now=before).queued == 0
    assert deliver(app, now=at).queued == 1


def test_it_lists_calls_due_overdue_and_new_requests_without_health_data(
    app, create_lead, smtp_server
):
    yesterday = EIGHT - timedelta(hours=20)
    create_lead(
        kind="pijncheck",
        name="Piet Jansen",
        phone="+31612345678",
        complaint="Hernia sinds de zomer",
        created_at=yesterday,
        last_requested_at=yesterday,
    )
    create_lead(
        kind="adviesgesprek",
        name="Kees Bakker",
        phone="+31687654321",
        status="gebeld",
        follow_up_on=DAY - timedelta(days=2),
        created_at=EIGHT - timedelta(days=10),
        last_requested_at=EIGHT - timedelta(days=10),
    )
    create_lead(name="Anna de Vries", created_at=yesterday, last_requested_at=yesterday)
    old = EIGHT - timedelta(days=5)
    create_lead(name="Oud Verzoek", created_at=old, last_requested_at=old)
    assert deliver(app, now=EIGHT).sent == 1

    [mail] = smtp_server.received
    assert mail.rcpt_tos == [app.config["LEADGEN_STAFF_EMAIL"]]
    message = mail.message
    assert message["Subject"] == "Vandaag: 2 keer bellen, 2 nieuwe aanvragen"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    calls, new = text.split("Nieuwe aanvragen sinds het vorige overzicht (2)")
    assert "Vandaag bellen (2)" in calls
    assert "- Kees Bakker · Adviesgesprek · 06 87654321 · gepland 30-11-2026 (verlopen)" in calls
    assert "- Piet Jansen · Pijncheck · 06 12345678" in calls
    assert "- Piet Jansen · Pijncheck" in new and "- Anna de Vries · E-book" in new
    assert "Oud Verzoek" not in text and "Kees" not in new
    assert "Hernia" not in text and "Hernia" not in html
    assert "Piet Jansen" in html and 'href="tel:+31612345678"' in html


def test_at_most_one_digest_a_day(app, create_lead):
    assert deliver(app, now=EIGHT).queued == 1
    assert deliver(app, now=EIGHT + timedelta(hours=10)).queued == 0
    assert deliver(app, now=EIGHT + timedelta(days=1)).queued == 1
    assert len(digests(app)) == 2


def test_two_workers_at_eight_send_one_digest(app, smtp_server):
    reports = together(app, lambda: deliver(app, now=EIGHT))
    assert sum(report.queued for report in reports) == 1
    assert len(digests(app)) == 1
    assert len(smtp_server.received) == 1


def test_new_requests_are_counted_from_the_last_digest(app, create_lead, smtp_server):
    deliver(app, now=EIGHT)
    early = EIGHT - timedelta(minutes=5)
    create_lead(name="Vroeg Voor", created_at=early, last_requested_at=early)
    noon = EIGHT + timedelta(hours=4)
    create_lead(name="Middag Later", created_at=noon, last_requested_at=noon)
    deliver(app, now=EIGHT + timedelta(days=1))
    text = smtp_server.received[-1].message.get_body(("plain",)).get_content()
    assert "Middag Later" in text and "Vroeg Voor" not in text


def test_the_database_keeps_one_row_per_day(app):
    with app.app_context():
        db.session.add(StaffDigest(day=DAY))
        db.session.commit()
        db.session.add(StaffDigest(day=DAY))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_an_empty_time_turns_the_digest_off(make_app, smtp_server):
    off = make_app(LEADGEN_SMTP_URL=smtp_server.url, LEADGEN_DIGEST_TIME="")
    assert deliver(off, now=EIGHT + timedelta(hours=2)).queued == 0


def test_todays_booked_moments_are_in_the_digest_with_their_time(app, create_lead, smtp_server):
    from leadgen.models import Appointment

    piet = create_lead(
        kind="pijncheck",
        name="Piet Jansen",
        phone="+31612345678",
        complaint="Hernia sinds de zomer",
    )
    kees = create_lead(kind="adviesgesprek", name="Kees Bakker", email="kees@example.nl")
    anna = create_lead(kind="adviesgesprek", name="Anna de Vries", email="anna@example.nl")
    at_local = {  # 16:00 and 12:20 in Amsterdam (UTC+1), tomorrow 12:00, and one cancelled
        piet.id: (EIGHT + timedelta(hours=8), "geboekt"),
        kees.id: (EIGHT + timedelta(hours=4, minutes=20), "geboekt"),
        anna.id: (EIGHT + timedelta(hours=28), "geboekt"),
    }
    with app.app_context():
        for lead, (start, status) in at_local.items():
            kind = "pijncheck" if lead == piet.id else "adviesgesprek"
            db.session.add(
                Appointment(
                    lead_id=lead,
                    kind=kind,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=20),
                    status=status,
                )
            )
        cancelled = create_lead(kind="pijncheck", name="Geannuleerd Iemand", email="g@example.nl")
        db.session.add(
            Appointment(
                lead_id=cancelled.id,
                kind="pijncheck",
                starts_at=EIGHT + timedelta(hours=2),
                ends_at=EIGHT + timedelta(hours=2, minutes=30),
                status="geannuleerd",
            )
        )
        db.session.commit()
    assert deliver(app, now=EIGHT).sent == 1
    text = smtp_server.received[0].message.get_body(("plain",)).get_content()
    today = text.split("Afspraken vandaag (2)")[1].split("Nieuwe aanvragen")[0]
    assert today.index("- 12:20 Kees Bakker · Adviesgesprek") < today.index(
        "- 16:00 Piet Jansen · Pijncheck · 06 12345678"
    )
    assert "Anna de Vries" not in today  # tomorrow
    assert "Geannuleerd" not in today and "Hernia" not in text
