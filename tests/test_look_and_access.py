"""Every public page in Chromium at phone and desktop width: axe-core finds nothing serious,
nothing overflows sideways, the keyboard can do everything, and a screenshot is kept.

Screenshots go to the test's tmp folder, and to $LEADGEN_SCREENSHOTS when that is set.
"""

from __future__ import annotations

import pytest

from leadgen.admin import auth
from leadgen.extensions import db
from leadgen.funnel import report
from leadgen.models import Consent, Lead, PageView, SeriesMail
from tests.browser import axe_violations

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
EBOOK = {"#name": "Anna de Vries", "#email": "anna@example.nl", "#privacy": True}
ADVIES = {
    "#name": "Piet Jansen",
    "#email": "piet@example.nl",
    "#phone": "06 12345678",
    "#privacy": True,
}
# Each public page: the path to open and, for a page behind a submit, what to fill in first.
PAGES = {
    "landing": ("/", None),
    "ebook": ("/ebook", None),
    "ebook-errors": ("/ebook", {"#email": "anna@"}),
    "ebook-thanks": ("/ebook", EBOOK),
    "advies": ("/advies?kind=pijncheck", None),
    "advies-errors": ("/advies", {"#complaint": "Pijn onder in de rug"}),
    "advies-thanks": ("/advies", ADVIES),
    "resend": ("/ebook/opnieuw", None),
    "resend-errors": ("/ebook/opnieuw", {"#email": "geen-adres"}),
    "resend-sent": ("/ebook/opnieuw", {"#email": "anna@example.nl"}),
    "link-problem": ("/download/onbekend", None),
    "confirm-unknown": ("/bevestig/onbekend", None),
    "privacy": ("/privacy", None),
    "not-found": ("/bestaat-niet", None),
    "embed-ebook": ("/embed/ebook", None),
    "embed-ebook-errors": ("/embed/ebook", {}),
    "embed-ebook-thanks": ("/embed/ebook", EBOOK),
    "embed-advies": ("/embed/advies", None),
    "embed-advies-errors": ("/embed/advies", {"#phone": "123"}),
    "embed-advies-thanks": ("/embed/advies", ADVIES),
    "en-landing": ("/?lang=en", None),
    "en-ebook-errors": ("/ebook?lang=en", {}),
    "en-advies-thanks": ("/advies?lang=en", ADVIES),
}


def open_page(page, origin: str, path: str, fields: dict | None) -> None:
    """Open `path`; with `fields`, fill them in (True ticks a box) and submit the form."""
    page.goto(origin + path)
    if fields is None:
        return
    for selector, value in fields.items():
        if value is True:
            page.check(selector)
        else:
            page.fill(selector, value)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_public_page_is_accessible_and_fits(axe_page, axe_source, live, screenshot, name, width):
    axe_page.set_viewport_size(WIDTHS[width])
    open_page(axe_page, live.origin, *PAGES[name])
    axe_page.wait_for_load_state("load")
    screenshot(axe_page, f"{name}-{width}")
    assert axe_violations(axe_page, axe_source) == []
    overflow = axe_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width} width"


def test_axe_does_find_a_broken_page(axe_page, axe_source, live):
    """The control: the same check reports an unlabelled field and an image without text."""
    axe_page.goto(live.origin + "/privacy")
    axe_page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
             "beforeend", '<input type="text"><img src="/ebook/omslag.svg">')"""
    )
    found = " ".join(axe_violations(axe_page, axe_source))
    assert "label" in found and "image-alt" in found


@pytest.mark.parametrize("name", ["ebook-errors", "advies-errors", "embed-advies-errors"])
def test_focus_lands_on_the_first_field_with_an_error(page, live, name):
    open_page(page, live.origin, *PAGES[name])
    focused = page.evaluate("document.activeElement.id")
    first = page.evaluate(
        """document.querySelector('.field--error input:not([type=hidden]),'
             + ' .field--error textarea').id"""
    )
    assert focused == first
    described = page.get_attribute(f"#{first}", "aria-describedby") or ""
    if page.get_attribute(f"#{first}", "type") != "radio":
        assert f"{first}-error" in described.split()
    assert page.get_attribute("#form-alert", "role") == "alert"


def test_the_error_summary_links_to_its_fields(page, live):
    open_page(page, live.origin, "/ebook", {"#email": "anna@"})
    links = page.locator(".form-alert-list a")
    assert links.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "#name",
        "#email",
        "#privacy",
    ]
    links.nth(1).click()
    assert page.evaluate("document.activeElement.id") == "email"


def test_the_ebook_can_be_requested_with_the_keyboard_alone(page, live):
    page.set_viewport_size(WIDTHS["phone"])
    page.goto(live.origin + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    # Tab to the hero's first button and follow it.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Download het gratis e-book":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # brand
    page.keyboard.press("Tab")  # language switch
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type("Anna de Vries")
    page.keyboard.press("Tab")
    page.keyboard.type("anna@example.nl")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # privacy
    assert page.is_checked("#privacy")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").text_content() == "Bedankt! Je e-book staat klaar"


def test_the_language_switch_works_in_the_browser(page, live):
    page.goto(live.origin + "/ebook?utm_source=blog")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("h1").text_content() == "Free e-book: train your gluteus medius"
    assert page.evaluate("document.documentElement.lang") == "en"
    page.fill("#name", "Anna")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "Enter your e-mail address." in page.locator(".form-alert").text_content()
    with page.expect_navigation():
        page.get_by_role("link", name="Nederlands").click()
    assert page.locator("h1").text_content() == "Gratis e-book: train je gluteus medius"


LEADS = [("ebook", "Anna de Vries", None), ("pijncheck", "Piet Jansen", "+31612345678")]


@pytest.fixture
def staff_page(axe_page, live):
    """`axe_page`, logged in to the admin of the live app, which holds a few leads."""
    with live.app.app_context():
        auth.create_staff("lisa@praktijk.nl", "lang-genoeg-wachtwoord")
        for kind, name, phone in LEADS:
            email = f"{name.split()[0].lower()}@example.nl"
            db.session.add(Lead(kind=kind, name=name, email=email, phone=phone, utm_source="blog"))
        db.session.commit()
    axe_page.goto(live.origin + "/admin/login")
    axe_page.fill("#email", "lisa@praktijk.nl")
    axe_page.fill("#password", "lang-genoeg-wachtwoord")
    with axe_page.expect_navigation():
        axe_page.click("button[type=submit]")
    return axe_page


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_admin_lead_list_is_accessible(staff_page, axe_source, live, screenshot, width, lang):
    staff_page.set_viewport_size(WIDTHS[width])
    staff_page.goto(f"{live.origin}/admin/leads?lang={lang}")
    assert staff_page.locator("h1").text_content() == {"nl": "Aanvragen", "en": "Leads"}[lang]
    screenshot(staff_page, f"admin-leads-{lang}-{width}")
    assert axe_violations(staff_page, axe_source) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_lead_page_with_its_series_is_accessible(
    staff_page, axe_source, live, screenshot, width
):
    with live.app.app_context():
        lead = db.session.execute(db.select(Lead).filter_by(kind="ebook")).scalar_one()
        asked = lead.created_at
        lead.consents.append(
            Consent(
                purpose="newsletter",
                text_version="v1",
                text="Nieuwsbrief",
                form="ebook",
                granted_at=asked,
                confirmed_at=asked,
            )
        )
        db.session.add(SeriesMail(lead_id=lead.id, step=1, day=asked.date(), queued_at=asked))
        db.session.commit()
        lead_id = lead.id
    staff_page.set_viewport_size(WIDTHS[width])
    staff_page.goto(f"{live.origin}/admin/leads/{lead_id}?lang=nl")
    assert staff_page.locator("#series-title").text_content() == "Opvolgreeks"
    assert staff_page.locator("#reeks button").text_content() == "Reeks stoppen"
    screenshot(staff_page, f"admin-lead-series-{width}")
    assert axe_violations(staff_page, axe_source) == []
    with staff_page.expect_navigation():
        staff_page.click("#reeks button")
    assert "gestopt door de praktijk" in staff_page.locator("#reeks").text_content()


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_funnel_page_is_accessible(staff_page, axe_source, live, screenshot, width, lang):
    with live.app.app_context():
        for n, views in enumerate((120, 30, 4)):
            source = f"https://blog.example.nl/een-lange-blogpost-over-lage-rugpijn-deel-{n}"
            db.session.add(PageView(day=report.practice_today(), source=source, views=views))
            db.session.add(Lead(kind="ebook", name="Lezer", email=f"{n}@example.nl", source=source))
        db.session.commit()
    staff_page.set_viewport_size(WIDTHS[width])
    staff_page.goto(f"{live.origin}/admin/funnel?lang={lang}")
    heading = {"nl": "Funnel per blogpost", "en": "Funnel per blog post"}[lang]
    assert staff_page.locator("h1").text_content() == heading
    assert staff_page.locator("svg.funnel-chart rect").count() == 4 * 5  # three posts, one unknown
    # Nothing but the table's own scroller is wider than the screen.
    assert staff_page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(staff_page, f"admin-funnel-{lang}-{width}")
    assert axe_violations(staff_page, axe_source) == []


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_embed_page_for_staff_is_accessible(
    staff_page, axe_source, live, screenshot, width, lang
):
    staff_page.set_viewport_size(WIDTHS[width])
    staff_page.goto(f"{live.origin}/admin/insluiten?lang={lang}")
    title = {"nl": "Formulieren op de blog zetten", "en": "Putting the forms on the blog"}[lang]
    assert staff_page.locator("h1").text_content() == title
    screenshot(staff_page, f"admin-insluiten-{lang}-{width}")
    assert axe_violations(staff_page, axe_source) == []
