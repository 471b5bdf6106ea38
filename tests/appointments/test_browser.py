"""Booking in Chromium: accessible, by keyboard alone, and inside the blog's cross-site iframe
with third-party cookies blocked."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from leadgen import tokens
from leadgen.extensions import db
from leadgen.models import Appointment, Lead
from tests.browser import axe_violations
from tests.embed.test_browser import PHONE, assert_fits, embedded

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _booking_path(app, kind: str = "pijncheck") -> str:
    with app.app_context():
        lead = Lead(kind=kind, name="Piet Jansen", email="piet@example.nl", phone="+31612345678")
        db.session.add(lead)
        db.session.commit()
        return f"/afspraak/{tokens.appointment_token(lead.id, lead.secret)}"


def _appointments(app) -> list[Appointment]:
    with app.app_context():
        rows = list(db.session.execute(db.select(Appointment)).scalars())
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("width", WIDTHS)
def test_the_booking_page_is_accessible_and_fits(axe_page, axe_source, live, screenshot, width):
    axe_page.set_viewport_size(WIDTHS[width])
    axe_page.goto(live.origin + _booking_path(live.app))
    screenshot(axe_page, f"booking-{width}")
    assert axe_violations(axe_page, axe_source) == []
    overflow = axe_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_a_moment_is_booked_by_keyboard_alone(page, live):
    page.goto(live.origin + _booking_path(live.app, "adviesgesprek"))
    first = page.locator("input[name=slot]").first
    value = first.get_attribute("value")
    legend = page.locator("fieldset legend").first.inner_text()
    # From the top of the page, Tab reaches the first moment (past the skip link and header).
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "slot":
            break
    page.keyboard.press("Space")
    assert first.is_checked()
    page.keyboard.press("Enter")  # submits the form the radio is in
    page.get_by_role("heading", name="Je afspraak staat vast").wait_for()
    assert legend in page.locator("main").inner_text()
    [appointment] = _appointments(live.app)
    assert appointment.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ") == value


def test_request_then_book_inside_the_blogs_iframe(page, servers, live, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(servers["blog"].origin)
    iframe, frame = embedded(page, "advies")
    assert_fits(iframe, frame)  # resized to its content: the fields no longer move under a click
    frame.get_by_label("Naam").fill("Piet Jansen")
    frame.get_by_label("E-mailadres").fill("piet@example.nl")
    frame.get_by_label("Telefoonnummer").fill("06 12345678")
    frame.locator("#privacy").check()
    frame.get_by_label("Telefoonnummer").press("Enter")
    frame.get_by_role("link", name="Kies een moment").click()
    frame.get_by_role("heading", name="Kies een moment voor je gratis adviesgesprek").wait_for()
    iframe, frame = embedded(page, "advies")
    assert_fits(iframe, frame)
    assert frame.url.startswith(f"{live.origin}/embed/afspraak/")
    # the frame keeps talking to its parent, so it keeps resizing
    assert parse_qs(urlsplit(frame.url).query)["parent"] == [servers["blog"].origin]
    frame.locator("input[name=slot]").nth(2).check()
    frame.get_by_role("button", name="Boek dit moment").click()
    frame.get_by_role("heading", name="Je afspraak staat vast").wait_for()
    iframe, frame = embedded(page, "advies")
    assert_fits(iframe, frame)
    screenshot(page, "booking-in-frame")
    [appointment] = _appointments(live.app)
    assert appointment.status == "geboekt"
    assert frame.evaluate("document.cookie") == ""
