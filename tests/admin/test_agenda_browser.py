"""The agenda in Chromium: axe-clean on a phone and a desk, in Dutch and English, by keyboard."""

from __future__ import annotations

import pytest

from leadgen.admin import auth
from leadgen.appointments import service
from leadgen.extensions import db
from leadgen.models import Lead, utcnow
from tests.admin.agenda_fixtures import iso_week
from tests.browser import axe_violations

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def agenda_page(axe_page, live):
    """`axe_page` logged in to the live app's admin, on the week of Piet's booked pain check."""
    with live.app.app_context():
        auth.create_staff("lisa@praktijk.nl", "lang-genoeg-wachtwoord")
        lead = Lead(
            kind="pijncheck", name="Piet Jansen", email="piet@example.nl", phone="+31612345678"
        )
        db.session.add(lead)
        db.session.commit()
        lead_id, secret = lead.id, lead.secret
        db.session.rollback()  # the read of the ids began a transaction; moments begin their own
        start = service.free_moments("pijncheck", lead_id, utcnow())[0]
        service.book(lead_id, secret, start, utcnow(), "nl")
    axe_page.goto(live.origin + "/admin/login")
    axe_page.fill("#email", "lisa@praktijk.nl")
    axe_page.fill("#password", "lang-genoeg-wachtwoord")
    with axe_page.expect_navigation():
        axe_page.click("button[type=submit]")
    axe_page.week = iso_week(start)
    return axe_page


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_agenda_is_accessible(agenda_page, axe_source, live, screenshot, width, lang):
    agenda_page.set_viewport_size(WIDTHS[width])
    agenda_page.goto(f"{live.origin}/admin/agenda?week={agenda_page.week}&lang={lang}")
    assert agenda_page.locator("h1").text_content() == "Agenda"
    assert agenda_page.get_by_role("link", name="Piet").count() == 1
    screenshot(agenda_page, f"admin-agenda-{lang}-{width}")
    assert axe_violations(agenda_page, axe_source) == []


def test_hours_are_changed_by_keyboard_alone(agenda_page, live):
    agenda_page.goto(f"{live.origin}/admin/agenda?lang=nl")  # the profile may remember English
    agenda_page.get_by_role("textbox", name="Adviesgesprek (telefonisch)").focus()
    agenda_page.keyboard.press("Control+A")
    agenda_page.keyboard.type("di 10:00-11:00")
    with agenda_page.expect_navigation():
        agenda_page.keyboard.press("Enter")
    assert (
        "Openingstijden opgeslagen voor: adviesgesprek."
        in agenda_page.locator(".flashes").text_content()
    )
    assert "di 10:00-11:00" in agenda_page.locator("#uren").text_content()
