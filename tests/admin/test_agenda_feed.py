"""The private iCal feed: made and revoked in the admin, read by a calendar parser."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from leadgen.admin import auth
from leadgen.extensions import db
from leadgen.mail.messages import build_message
from leadgen.models import AuditEntry, CalendarFeed
from tests.admin.agenda_fixtures import COMPLAINT, EVERY_DAY
from tests.factories import login, outbox_rows, post_form

FEED = re.compile(r'id="feed-url" type="text" readonly value="([^"]+)"')


@pytest.fixture
def app(make_app):
    return make_app(**EVERY_DAY)


def make_feed(client) -> str:
    """Press "Link maken"; the feed's path, read from the page as staff would copy it."""
    response = post_form(client, "/admin/agenda", "/admin/agenda/abonnement")
    assert response.status_code == 200
    url = html.unescape(FEED.search(response.get_data(as_text=True)).group(1))
    assert url.startswith("http://localhost/agenda/") and url.endswith(".ics")
    return url.removeprefix("http://localhost")


def events(response) -> list:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return list(Calendar.from_ical(response.data).walk("VEVENT"))


def test_the_feed_holds_first_name_kind_and_phone_with_the_mails_uid(app, staff_client, book):
    booked = book()
    past = book(ago=timedelta(days=2), email="b@example.nl", name="Bram Bakker", phone=None)
    path = make_feed(staff_client)
    stranger = app.test_client()  # a calendar app: no login, no cookie
    response = stranger.get(path)
    assert response.headers["Cache-Control"] == "private, no-cache"
    found = {str(event["summary"]): event for event in events(response)}
    assert set(found) == {"Pijncheck: Anna", "Pijncheck: Bram"}
    anna = found["Pijncheck: Anna"]
    assert anna.decoded("dtstart") == booked.start
    assert anna.decoded("dtend") == booked.start + timedelta(minutes=30)
    assert "06 12345678" in str(anna["description"])
    assert str(anna["uid"]) == booked.uid
    assert str(found["Pijncheck: Bram"]["uid"]) == past.uid
    # The same UID as the invitation the visitor got, so one event where both meet.
    [mail] = [row for row in outbox_rows(app) if row.to_addr == "anna.devries@example.nl"]
    with app.app_context():
        [attachment] = list(build_message(mail, app.config).iter_attachments())
    [invited] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(invited["uid"]) == booked.uid
    # No health data, no address, no surname.
    body = response.get_data(as_text=True)
    assert COMPLAINT not in body and "@example.nl" not in body.replace("@leadgen", "")
    assert "de Vries" not in body and "Bakker" not in body


def test_an_unchanged_agenda_answers_304_and_a_change_a_new_feed(app, staff_client, book):
    booked = book()
    path = make_feed(staff_client)
    calendar_app = app.test_client()
    first = calendar_app.get(path)
    etag = first.headers["ETag"]
    again = calendar_app.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    post_form(
        staff_client,
        "/admin/agenda",
        "/admin/agenda/afspraak",
        appointment=str(booked.id),
        operation="afzeggen",
        back="",
    )
    changed = calendar_app.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert events(changed) == []  # a cancelled appointment leaves the feed


def test_only_the_secrets_hash_is_stored_and_the_making_is_logged(staff_client, staff, read):
    path = make_feed(staff_client)
    secret = path.removeprefix("/agenda/").removesuffix(".ics")
    assert len(secret) >= 40
    [row] = read(CalendarFeed)
    assert row.staff_id == staff.id
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest() != secret
    assert len(read(AuditEntry, action="feed_made")) == 1
    page = staff_client.get("/admin/agenda").get_data(as_text=True)
    assert secret not in page and "Je hebt een abonnement sinds" in page


def test_a_revoked_or_replaced_feed_answers_404(app, staff_client, book, read):
    book()
    calendar_app = app.test_client()
    first = make_feed(staff_client)
    second = make_feed(staff_client)
    assert calendar_app.get(first).status_code == 404
    assert calendar_app.get(second).status_code == 200
    response = post_form(staff_client, "/admin/agenda", "/admin/agenda/abonnement/intrekken")
    assert response.status_code == 303
    assert calendar_app.get(second).status_code == 404
    assert read(CalendarFeed) == [] and len(read(AuditEntry, action="feed_revoked")) == 1


def test_a_feed_ends_with_its_staff_account(app, staff_client, staff):
    path = make_feed(staff_client)
    with app.app_context():
        auth.deactivate_staff(staff.email)
        db.session.remove()
    assert app.test_client().get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/agenda/.ics",
        "/agenda/",
        "/agenda/onbekend.ics",
        "/agenda/" + "a" * 43 + ".ics",
        "/agenda/" + "a" * 5000 + ".ics",
        "/agenda/%00%01.ics",
        "/agenda/%E2%80%AE.ics",
    ],
)
def test_no_or_a_wrong_secret_is_a_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "niet gevonden" in response.get_data(as_text=True).lower()


def test_an_erased_person_leaves_the_feed(app, staff_client, book):
    booked = book()
    path = make_feed(staff_client)
    assert [str(e["summary"]) for e in events(app.test_client().get(path))] == ["Pijncheck: Anna"]
    post_form(staff_client, f"/admin/leads/{booked.lead.id}/wissen", confirm="y")
    assert events(app.test_client().get(path)) == []


def test_the_feed_link_is_made_by_staff_only(app, client, create_staff):
    assert client.post("/admin/agenda/abonnement").status_code in (302, 400)
    other = create_staff(email="sam@praktijk.nl")
    login(client, other.email)
    assert client.post("/admin/agenda/abonnement").status_code == 400  # no CSRF token
