"""The visitor's booking page: moments by day, book, move, cancel, and what it refuses."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from leadgen import moments, tokens
from leadgen.appointments import service
from leadgen.extensions import db
from leadgen.models import Appointment, AppointmentCell, BlockedDay, BookingHours, Lead
from tests.appointments.conftest import instant, slots

AMS = ZoneInfo("Europe/Amsterdam")
DUTCH_DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
ENGLISH_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def test_free_moments_grouped_by_day_in_dutch(client, booking_path):
    page = client.get(booking_path()).get_data(as_text=True)
    values = slots(page)
    assert len(values) > 50
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", value) for value in values)
    legends = re.findall(r'<legend class="field-label">([^<]+)</legend>', page)
    assert len(legends) >= 20  # every day of the three weeks ahead
    assert legends[0].split()[0] in DUTCH_DAYS
    first = instant(values[0]).astimezone(AMS)
    assert legends[0] == f"{DUTCH_DAYS[first.weekday()]} {first.day} " + legends[0].split()[2]
    assert f">{first:%H:%M}</label>" in page
    assert page.count("<fieldset") == len(legends)


def test_moments_in_english_with_lang_en(client, booking_path):
    path = booking_path()
    page = client.get(f"{path}?lang=en").get_data(as_text=True)
    legend = re.search(r'<legend class="field-label">([^<]+)</legend>', page).group(1)
    assert legend.split()[0] in ENGLISH_DAYS
    assert f'action="{path}?lang=en"' in page
    assert "Choose a moment for your free advice call" in page


def test_book_then_see_the_day_and_time(app, client, booking_path, read):
    path = booking_path()
    chosen = slots(client.get(path).get_data(as_text=True))[3]
    response = client.post(path, data={"slot": chosen})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{path}/bevestigd"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    local = instant(chosen).astimezone(AMS)
    assert f"{DUTCH_DAYS[local.weekday()]} {local.day} " in page
    assert f"om {local:%H:%M}" in page
    [appointment] = read(Appointment)
    assert (appointment.starts_at, appointment.status) == (instant(chosen), "geboekt")
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=20)
    assert len(read(AppointmentCell)) == 4
    assert read(Lead)[0].status == "afspraak"


def test_booking_again_moves_and_frees_the_old_moment(client, booking_path, read):
    path = booking_path()
    first, second = slots(client.get(path).get_data(as_text=True))[:2]
    assert client.post(path, data={"slot": first}).status_code == 303
    assert client.post(path, data={"slot": second}).status_code == 303
    [appointment] = read(Appointment)
    assert (appointment.starts_at, appointment.sequence) == (instant(second), 1)
    cells = {cell.cell_start for cell in read(AppointmentCell)}
    assert min(cells) == instant(second) and len(cells) == 4
    other = booking_path()
    assert first in slots(client.get(other).get_data(as_text=True))
    assert second not in slots(client.get(other).get_data(as_text=True))


def test_the_page_shows_the_booked_moment_checked_and_a_cancel_button(client, booking_path):
    path = booking_path()
    chosen = slots(client.get(path).get_data(as_text=True))[0]
    client.post(path, data={"slot": chosen})
    page = client.get(path).get_data(as_text=True)
    assert re.search(rf'value="{chosen}" required checked>', page)
    assert '<input type="hidden" name="cancel" value="1">' in page


def test_cancel_frees_the_moment(client, booking_path, read):
    path = booking_path()
    chosen = slots(client.get(path).get_data(as_text=True))[0]
    client.post(path, data={"slot": chosen})
    response = client.post(path, data={"cancel": "1"})
    assert response.status_code == 303
    [appointment] = read(Appointment)
    assert (appointment.status, appointment.sequence) == ("geannuleerd", 1)
    assert read(AppointmentCell) == []
    assert "geen afspraak" in client.get(f"{path}/bevestigd").get_data(as_text=True)
    # and the lead may book again: a new appointment, the cancelled one kept as history
    assert client.post(path, data={"slot": chosen}).status_code == 303
    assert sorted(a.status for a in read(Appointment)) == ["geannuleerd", "geboekt"]


def first_shared_slot(client, *paths: str) -> str:
    """The first moment every one of these booking pages offers.

    A call and a pain check are not offered on the same grid of moments, so the call's first
    moment is the pain check's too at some hours of the day and not at others.
    """
    offered = [slots(client.get(path).get_data(as_text=True)) for path in paths]
    return next(slot for slot in offered[0] if all(slot in other for other in offered[1:]))


def test_a_moment_taken_meanwhile_answers_409_with_fresh_moments(client, booking_path, read):
    mine, theirs = booking_path(), booking_path(kind="pijncheck")
    chosen = first_shared_slot(client, mine, theirs)
    assert client.post(theirs, data={"slot": chosen}).status_code == 303
    response = client.post(mine, data={"slot": chosen})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "net door iemand anders gekozen" in page
    assert chosen not in slots(page) and slots(page)
    assert len(read(Appointment)) == 1


def test_a_pain_check_takes_30_minutes_at_the_practice(client, booking_path, read):
    path = booking_path(kind="pijncheck")
    page = client.get(path).get_data(as_text=True)
    assert "Neuroreset Fysiotherapie, Hoorn" in page
    values = slots(page)
    # Steps within a day: the last moment of today and the first of tomorrow are hours apart.
    starts = [instant(value) for value in values]
    steps = [
        later - earlier
        for earlier, later in itertools.pairwise(starts)
        if earlier.astimezone(AMS).date() == later.astimezone(AMS).date()
    ]
    assert steps and min(steps) == timedelta(minutes=30)
    client.post(path, data={"slot": values[0]})
    assert len(read(AppointmentCell)) == 6


def test_blocked_days_and_staff_hours_shape_the_moments(app, client, booking_path):
    path = booking_path()
    first = instant(slots(client.get(path).get_data(as_text=True))[0])
    with app.app_context():
        db.session.add(BlockedDay(day=first.astimezone(AMS).date(), note="Cursus"))
        db.session.commit()
    values = slots(client.get(path).get_data(as_text=True))
    assert first.astimezone(AMS).date() not in {instant(v).astimezone(AMS).date() for v in values}
    with app.app_context():
        db.session.add(BookingHours(kind="adviesgesprek", spec=""))
        db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert slots(page) == []
    assert "geen vrije momenten" in page


@pytest.mark.parametrize(
    "value",
    [
        "",
        "morgen",
        "2026-12-03T11:00:00",
        "2026-12-03T11:00:00+01:00",
        "2020-01-06T11:00:00Z",
        "2026-12-03T11:00:00Z\r\nBcc: x@example.nl",
        '=HYPERLINK("https://example.nl")',
        "<script>alert(1)</script>",
        "9" * 5000,
        "2026-13-45T99:99:00Z",
    ],
)
def test_a_value_that_is_no_free_moment_answers_422(client, booking_path, read, value):
    response = client.post(booking_path(), data={"slot": value})
    assert response.status_code == 422
    assert "Kies een van de vrije momenten" in response.get_data(as_text=True)
    assert read(Appointment) == []


def test_a_moment_off_the_grid_or_outside_the_hours_answers_422(client, booking_path, read):
    path = booking_path()
    first = instant(slots(client.get(path).get_data(as_text=True))[0])
    for moment in (first + timedelta(minutes=5), first.replace(hour=2), first + timedelta(days=40)):
        response = client.post(path, data={"slot": moment.strftime("%Y-%m-%dT%H:%M:%SZ")})
        assert response.status_code == 422, moment
    assert read(Appointment) == []


def test_forged_expired_and_foreign_links(app, client, booking_path, create_lead, monkeypatch):
    path = booking_path()
    assert client.get(path[:-3] + "abc").status_code == 404
    assert client.post(path[:-3] + "abc", data={"cancel": "1"}).status_code == 404
    ebook = create_lead(kind="ebook")
    with app.app_context():
        ebook_token = tokens.appointment_token(ebook.id, ebook.secret)
        download = tokens.issue_lead_token("download", ebook.id, ebook.secret)
    assert client.get(f"/afspraak/{ebook_token}").status_code == 404  # an e-book has no call
    assert client.get(f"/afspraak/{download}").status_code == 404  # another purpose's token
    monkeypatch.setattr(tokens, "APPOINTMENT_MAX_AGE", -1)
    expired = client.get(path)
    assert expired.status_code == 410
    assert "verlopen" in expired.get_data(as_text=True)


def test_an_erased_lead_link_is_dead(app, client, booking_path):
    path = booking_path()
    with app.app_context():
        db.session.execute(db.delete(Lead))
        db.session.commit()
    assert client.get(path).status_code == 404


def test_a_post_from_another_site_is_refused(client, booking_path, read):
    path = booking_path()
    chosen = slots(client.get(path).get_data(as_text=True))[0]
    response = client.post(path, data={"slot": chosen}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert read(Appointment) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_a_dutch_405(client, booking_path, method):
    response = client.open(booking_path(), method=method)
    assert response.status_code == 405
    assert "Methode niet toegestaan" in response.get_data(as_text=True)


def test_the_advice_thank_you_page_links_to_the_booking_page(client, submit):
    response = submit("/advies", kind="pijncheck")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/afspraak/[^"]+)">Kies een moment</a>', page).group(1)
    assert client.get(link).status_code == 200
    forged = client.get("/advies/bedankt?t=pijncheck&afspraak=nep").get_data(as_text=True)
    assert "/afspraak/" not in forged


def test_the_database_refuses_a_double_booking_the_code_did_not_see(
    client, booking_path, read, monkeypatch
):
    # As if the check in Python had raced: every cell on seat 1, looked at by nobody.
    monkeypatch.setattr(
        service,
        "_seats",
        lambda start, rules, lead_id: dict.fromkeys(moments.cells(start, rules.slot_minutes), 1),
    )
    mine, theirs = booking_path(), booking_path(kind="pijncheck")
    chosen = first_shared_slot(client, mine, theirs)
    assert client.post(theirs, data={"slot": chosen}).status_code == 303
    assert client.post(mine, data={"slot": chosen}).status_code == 409
    assert len(read(Appointment)) == 1


def test_invalid_utf8_and_an_empty_body_answer_422(client, booking_path, read):
    path = booking_path()
    form = "application/x-www-form-urlencoded"
    assert client.post(path, data=b"slot=%FF%FE", content_type=form).status_code == 422
    assert client.post(path, data=b"", content_type=form).status_code == 422
    assert client.post(path, data=b"slot=" + b"x" * 70_000, content_type=form).status_code == 413
    assert read(Appointment) == []
