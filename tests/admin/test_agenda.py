"""/admin/agenda: the appointments per day and week, the hours staff set and the days they block."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from leadgen.appointments import service
from leadgen.extensions import db
from leadgen.models import AuditEntry, BlockedDay, BookingHours, utcnow
from tests.admin.agenda_fixtures import AMS, COMPLAINT, EVERY_DAY, iso_week, utc
from tests.factories import post_form


@pytest.fixture
def app(make_app):
    return make_app(**EVERY_DAY)


SLOT = re.compile(r'name="slot" id="[^"]+" value="([^"]+)"')


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def visitor_moments(client, token: str) -> list:
    """The moments the visitor's booking page offers, as UTC instants."""
    return [utc(value) for value in SLOT.findall(client.get(f"/afspraak/{token}").text)]


def test_the_week_lists_time_first_name_kind_phone_and_the_lead(staff_client, book):
    booked = book()
    response = staff_client.get(f"/admin/agenda?week={iso_week(booked.start)}")
    assert response.status_code == 200
    page = text(response)
    end = booked.local + timedelta(minutes=30)
    assert f"{booked.local:%H:%M}–{end:%H:%M}" in page
    assert ">Anna</a>" in page and "Pijncheck" in page and "06 12345678" in page
    assert f'href="/admin/leads/{booked.lead.id}"' in page
    assert f"?dag={booked.local.date().isoformat()}" in page  # each day opens on its own
    # First name, kind and phone: no surname, address or complaint on the agenda.
    assert "de Vries" not in page and "anna.devries@" not in page and COMPLAINT not in page
    assert 'aria-current="page"' in page and ">Agenda</a>" in page


def test_a_day_shows_its_own_appointments_only(staff_client, book):
    booked = book()
    day = booked.local.date()
    page = text(staff_client.get(f"/admin/agenda?dag={day.isoformat()}"))
    assert ">Anna</a>" in page
    assert f"?dag={(day + timedelta(days=1)).isoformat()}" in page  # next day
    other = text(staff_client.get(f"/admin/agenda?dag={(day + timedelta(days=1)).isoformat()}"))
    assert ">Anna</a>" not in other and "Geen afspraken." in other


def test_weeks_link_to_the_week_before_and_after(staff_client, book):
    booked = book()
    week = iso_week(booked.start)
    page = text(staff_client.get(f"/admin/agenda?week={week}"))
    assert f"?week={iso_week(booked.start - timedelta(days=7))}" in page
    assert f"?week={iso_week(booked.start + timedelta(days=7))}" in page
    later = text(
        staff_client.get(f"/admin/agenda?week={iso_week(booked.start + timedelta(days=7))}")
    )
    assert ">Anna</a>" not in later


def test_without_parameters_the_agenda_shows_this_week(staff_client, book):
    booked = book()  # a few hours ahead: this week, or next when the suite runs on Sunday night
    page = text(staff_client.get("/admin/agenda"))
    same_week = iso_week(booked.start) == iso_week(utcnow())
    assert (">Anna</a>" in page) == same_week
    assert "vandaag" in page


@pytest.mark.parametrize(
    "query",
    [
        "dag=2026-02-30",
        "dag=morgen",
        "dag=0001-01-01",
        "dag=2026-12-03%00",
        "dag=" + "9" * 500,
        "week=2026-W54",
        "week=2026-W00",
        "week=2026W49",
        "week=9999-W01",
        "week=%E2%80%AE2026-W49",
    ],
)
def test_a_bad_day_or_week_is_a_dutch_400(staff_client, query):
    response = staff_client.get(f"/admin/agenda?{query}")
    assert response.status_code == 400
    assert re.search(r"Deze (dag|week) bestaat niet", text(response))
    assert "Openingstijden" in text(response)  # the page itself, showing this week


def test_the_hours_show_the_settings_until_staff_change_them(staff_client):
    page = text(staff_client.get("/admin/agenda"))
    assert page.count("ma-zo 08:00-20:00") >= 2 and "(standaard)" in page


def test_staff_hours_change_the_visitors_moments_and_reset_restores_them(
    app, staff_client, staff, book, read
):
    booked = book(kind="adviesgesprek")
    response = post_form(
        staff_client,
        "/admin/agenda",
        "/admin/agenda/uren",
        adviesgesprek="ma-vr 10:00 - 11:00 ; za 09:00-09:40",
        pijncheck="ma-zo 08:00-20:00",
    )
    assert response.status_code == 303
    [row] = read(BookingHours)
    assert (row.kind, row.spec, row.updated_by_id) == (
        "adviesgesprek",
        "ma-vr 10:00-11:00; za 09:00-09:40",
        staff.id,
    )
    moments = visitor_moments(staff_client, booked.token)
    starts = {(m.astimezone(AMS).weekday(), f"{m.astimezone(AMS):%H:%M}") for m in moments}
    weekdays = {(day, start) for day in range(5) for start in ("10:00", "10:20", "10:40")}
    assert starts and starts <= weekdays | {(5, "09:00"), (5, "09:20")}
    page = text(staff_client.get("/admin/agenda"))
    assert "ma-vr 10:00-11:00; za 09:00-09:40" in page and "standaard: ma-zo 08:00-20:00" in page
    [entry] = read(AuditEntry, action="hours")
    assert entry.detail == {"kind": "adviesgesprek", "spec": "ma-vr 10:00-11:00; za 09:00-09:40"}

    reset = post_form(
        staff_client, "/admin/agenda", "/admin/agenda/uren/standaard", kind="adviesgesprek"
    )
    assert reset.status_code == 303
    assert read(BookingHours) == [] and len(read(AuditEntry, action="hours_reset")) == 1
    hours = {moment.astimezone(AMS).hour for moment in visitor_moments(staff_client, booked.token)}
    assert min(hours) == 8 or max(hours) == 19


def test_empty_hours_close_a_kind_for_booking(staff_client, book):
    booked = book(kind="adviesgesprek")
    post_form(
        staff_client,
        "/admin/agenda",
        "/admin/agenda/uren",
        adviesgesprek="",
        pijncheck="ma-zo 08:00-20:00",
    )
    assert visitor_moments(staff_client, booked.token) == []
    assert "niet te boeken" in text(staff_client.get("/admin/agenda"))


@pytest.mark.parametrize(
    "spec",
    [
        "ma-vr 25:00-26:00",
        "maandag 09:00-10:00",
        "ma 10:00-09:00",
        "ma 09:03-10:00",
        "ma 09:00-11:00,10:00-12:00",
        '=HYPERLINK("http://x")',
        "<script>alert(1)</script>",
        "ma 09:00-10:00\r\nBcc: x@example.nl",
        "ma 09:00-10:00; " * 40,
    ],
)
def test_hours_that_cannot_be_read_are_explained_in_dutch_and_not_stored(staff_client, read, spec):
    response = post_form(
        staff_client, "/admin/agenda", "/admin/agenda/uren", adviesgesprek=spec, pijncheck=""
    )
    assert response.status_code == 422
    page = text(response)
    assert re.search(
        r"openingstijden kunnen we niet lezen|tekens die we niet kunnen gebruiken|hoogstens 500",
        page,
    )
    assert "<script>alert" not in response.get_data(as_text=True)
    assert read(BookingHours) == [] and read(AuditEntry, action="hours") == []


def test_a_blocked_day_takes_its_moments_away_until_it_is_freed(staff_client, book, read):
    booked = book(index=0)
    day = (booked.local + timedelta(days=2)).date()
    before = visitor_moments(staff_client, booked.token)
    assert any(moment.astimezone(AMS).date() == day for moment in before)
    response = post_form(
        staff_client,
        "/admin/agenda",
        "/admin/agenda/vrije-dagen",
        day=day.isoformat(),
        note="Kerst",
    )
    assert response.status_code == 303
    [row] = read(BlockedDay)
    assert (row.day, row.note) == (day, "Kerst")
    after = visitor_moments(staff_client, booked.token)
    assert after and not any(moment.astimezone(AMS).date() == day for moment in after)
    page = text(staff_client.get("/admin/agenda"))
    assert f"{day:%d-%m-%Y}" in page and "Kerst" in page
    assert read(AuditEntry, action="day_blocked")[0].detail == {"day": day.isoformat()}

    again = post_form(
        staff_client, "/admin/agenda", "/admin/agenda/vrije-dagen", day=day.isoformat()
    )
    assert again.status_code == 409 and "al geblokkeerd" in text(again)
    freed = post_form(
        staff_client, "/admin/agenda", "/admin/agenda/vrije-dagen/vrijgeven", day=day.isoformat()
    )
    assert freed.status_code == 303 and read(BlockedDay) == []
    assert visitor_moments(staff_client, booked.token) == before


def test_blocking_a_day_with_appointments_warns(staff_client, book):
    booked = book()
    response = post_form(
        staff_client,
        "/admin/agenda",
        "/admin/agenda/vrije-dagen",
        day=booked.local.date().isoformat(),
    )
    assert response.status_code == 303
    assert "er staan nog 1 afspraken" in text(staff_client.get("/admin/agenda"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": "31-02-2026"}, "Vul een datum in als dd-mm-jjjj."),
        ({"day": ""}, "Kies een dag."),
        ({"day": "2150-01-01"}, "Kies een datum tussen"),
        ({"day": "2026-12-24", "note": "x" * 201}, "hoogstens 200 tekens"),
        ({"day": "2026-12-24", "note": "kerst\x00"}, "tekens die we niet kunnen gebruiken"),
    ],
)
def test_a_bad_blocked_day_is_explained_and_not_stored(staff_client, read, fields, message):
    response = post_form(staff_client, "/admin/agenda", "/admin/agenda/vrije-dagen", **fields)
    assert response.status_code == 422
    assert message in text(response)
    assert read(BlockedDay) == []


def test_posts_without_a_csrf_token_change_nothing(staff_client, read):
    response = staff_client.post("/admin/agenda/uren", data={"adviesgesprek": "", "pijncheck": ""})
    assert response.status_code == 400
    response = staff_client.post("/admin/agenda/vrije-dagen", data={"day": "2026-12-24"})
    assert response.status_code == 400
    assert read(BookingHours) == [] and read(BlockedDay) == []


def test_the_agenda_answers_get_only(staff_client):
    assert staff_client.put("/admin/agenda").status_code == 405
    assert staff_client.get("/admin/agenda/uren").status_code == 405


def test_a_stranger_is_sent_to_the_login_page(client, book):
    book()
    response = client.get("/admin/agenda")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_the_free_moments_function_sees_the_staff_hours(app, staff_client, book):
    booked = book(kind="adviesgesprek")
    post_form(
        staff_client,
        "/admin/agenda",
        "/admin/agenda/uren",
        adviesgesprek="zo 12:00-12:20",
        pijncheck="",
    )
    with app.app_context():
        free = service.free_moments("adviesgesprek", booked.lead.id, utcnow())
        db.session.remove()
    assert free and {(m.astimezone(AMS).weekday(), f"{m.astimezone(AMS):%H:%M}") for m in free} == {
        (6, "12:00")
    }
