"""After the moment staff mark `geweest` / `niet verschenen`; before it they may cancel."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from leadgen.admin import figures, formats
from leadgen.extensions import db
from leadgen.mail.messages import build_message
from leadgen.models import Appointment, AppointmentCell, AuditEntry, Lead
from tests.admin.agenda_fixtures import EVERY_DAY, iso_week
from tests.factories import outbox_rows, post_form


@pytest.fixture
def app(make_app):
    return make_app(**EVERY_DAY)


def act(client, booked, action: str, back: str = ""):
    return post_form(
        client,
        "/admin/agenda",
        "/admin/agenda/afspraak",
        appointment=str(booked.id),
        operation=action,
        back=back or f"week={iso_week(booked.start)}",
    )


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_past_appointment_is_marked_attended_and_the_lead_page_shows_it(
    staff_client, book, read, staff
):
    booked = book(ago=timedelta(days=3))
    week = text(staff_client.get(f"/admin/agenda?week={iso_week(booked.start)}"))
    assert ">Geweest</button>" in week and ">Niet verschenen</button>" in week
    assert "Afzeggen" not in week  # the moment is over
    response = act(staff_client, booked, "geweest")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/agenda?week={iso_week(booked.start)}"
    assert read(Appointment)[0].status == "geweest"
    [entry] = read(AuditEntry, action="appointment_mark")
    assert (entry.staff_id, entry.detail) == (
        staff.id,
        {"lead_id": booked.lead.id, "old": "geboekt", "new": "geweest"},
    )
    lead_page = text(staff_client.get(f"/admin/leads/{booked.lead.id}"))
    assert 'id="afspraken"' in lead_page
    assert 'aria-pressed="true">Geweest</button>' in lead_page


def test_a_mark_can_be_corrected_from_the_lead_page(staff_client, book, read):
    booked = book(ago=timedelta(days=2))
    act(staff_client, booked, "geweest")
    response = act(staff_client, booked, "niet verschenen", back=f"lead={booked.lead.id}")
    assert response.headers["Location"] == f"/admin/leads/{booked.lead.id}#afspraken"
    assert read(Appointment)[0].status == "niet verschenen"
    assert len(read(AuditEntry, action="appointment_mark")) == 2


def test_a_coming_appointment_cannot_be_marked(staff_client, book, read):
    booked = book()
    response = act(staff_client, booked, "niet verschenen")
    assert response.status_code == 409
    assert "pas na het moment" in text(response)
    assert read(Appointment)[0].status == "geboekt"


def test_staff_cancel_frees_the_moment_and_mails_the_visitor_a_cancel(
    app, staff_client, book, read
):
    booked = book()
    week = text(staff_client.get(f"/admin/agenda?week={iso_week(booked.start)}"))
    assert ">Ja, afzeggen en de bezoeker mailen</button>" in week
    response = act(staff_client, booked, "afzeggen")
    assert response.status_code == 303
    [appointment] = read(Appointment)
    assert (appointment.status, appointment.sequence) == ("geannuleerd", 1)
    assert read(AppointmentCell) == []
    assert len(read(AuditEntry, action="appointment_cancel")) == 1
    [mail] = [row for row in outbox_rows(app) if row.template == "appointment_cancelled"]
    assert mail.to_addr == "anna.devries@example.nl"
    with app.app_context():
        message = build_message(mail, app.config)
    [attachment] = list(message.iter_attachments())
    assert "METHOD:CANCEL" in attachment.get_content()
    assert f"UID:{booked.uid}" in attachment.get_content()
    # The moment is free again on the visitor's page; a cancelled one cannot be marked.
    assert booked.start.strftime("%Y-%m-%dT%H:%M:%SZ") in staff_client.get(
        f"/afspraak/{booked.token}"
    ).get_data(as_text=True)
    again = act(staff_client, booked, "afzeggen")
    assert again.status_code == 409 and "Alleen een geboekte afspraak" in text(again)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"appointment": "999999", "operation": "geweest"}, 404),
        ({"appointment": "x", "operation": "geweest"}, 422),
        ({"appointment": str(2**70), "operation": "geweest"}, 422),
        ({"appointment": "1", "operation": "patiënt"}, 422),
        ({"appointment": "1"}, 422),
        ({"appointment": "1", "operation": "geweest", "back": "https://evil.example/"}, 303),
    ],
)
def test_a_bad_button_is_refused_in_dutch(staff_client, book, read, fields, status):
    book(ago=timedelta(days=1))
    response = post_form(staff_client, "/admin/agenda", "/admin/agenda/afspraak", **fields)
    assert response.status_code == status
    if status == 303:  # a forged return address goes back to the agenda, not elsewhere
        assert response.headers["Location"] == "/admin/agenda"
    else:
        assert "bestaat niet" in text(response) or "kennen we niet" in text(response)
        assert read(Appointment)[0].status == "geboekt"


def test_the_funnel_counts_appointments_and_the_no_shows(app, staff_client, book):
    came = book(ago=timedelta(days=3), email="a@example.nl")
    missed = book(ago=timedelta(days=3), email="b@example.nl", index=1)
    book(email="c@example.nl", kind="adviesgesprek")
    act(staff_client, came, "geweest")
    act(staff_client, missed, "niet verschenen")
    with app.app_context():
        data = figures.dashboard(30, formats.today())
        db.session.remove()
    funnel = dict(data.funnel)
    assert funnel["Afspraak gemaakt"] == 3 and funnel["Afspraak geweest"] == 1
    assert data.appointments["geweest"] == 1 and data.appointments["niet verschenen"] == 1
    assert data.no_show_percent == 50
    page = text(staff_client.get("/admin/"))
    assert "No-shows: 1 van 2 gemarkeerde afspraken (50%)" in page


def test_erasing_the_person_takes_them_off_the_agenda(staff_client, book, read):
    booked = book()
    week = f"/admin/agenda?week={iso_week(booked.start)}"
    assert ">Anna</a>" in text(staff_client.get(week))
    post_form(staff_client, f"/admin/leads/{booked.lead.id}/wissen", confirm="y")
    assert read(Lead) == [] and read(Appointment) == []
    assert ">Anna</a>" not in text(staff_client.get(week))
