"""Every public page in Chromium at phone and desktop width: axe-core finds nothing serious,
nothing overflows sideways, the keyboard can do everything, and a screenshot is kept.

Screenshots go to the test's tmp folder, and to $LEADGEN_SCREENSHOTS when that is set.
"""

from __future__ import annotations

import pytest

from tests.browser import axe_violations

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _fill_ebook(page, name: str = "Anna de Vries", email: str = "anna@example.nl") -> None:
    page.fill("#name", name)
    page.fill("#email", email)
    page.check("#privacy")


def _fill_advies(page) -> None:
    page.fill("#name", "Piet Jansen")
    page.fill("#email", "piet@example.nl")
    page.fill("#phone", "06 12345678")
    page.check("#privacy")


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("button[type=submit]")


# Each public page: how to reach it from a fresh tab, given the live server's origin.
def _landing(page, origin):
    page.goto(f"{origin}/")


def _ebook(page, origin):
    page.goto(f"{origin}/ebook")


def _ebook_errors(page, origin):
    page.goto(f"{origin}/ebook")
    page.fill("#email", "anna@")
    _submit(page)


def _ebook_thanks(page, origin):
    page.goto(f"{origin}/ebook")
    _fill_ebook(page)
    _submit(page)


def _advies(page, origin):
    page.goto(f"{origin}/advies?kind=pijncheck")


def _advies_errors(page, origin):
    page.goto(f"{origin}/advies")
    page.fill("#complaint", "Pijn onder in de rug")
    _submit(page)


def _advies_thanks(page, origin):
    page.goto(f"{origin}/advies")
    _fill_advies(page)
    _submit(page)


def _resend(page, origin):
    page.goto(f"{origin}/ebook/opnieuw")


def _resend_errors(page, origin):
    page.goto(f"{origin}/ebook/opnieuw")
    page.fill("#email", "geen-adres")
    _submit(page)


def _resend_sent(page, origin):
    page.goto(f"{origin}/ebook/opnieuw")
    page.fill("#email", "anna@example.nl")
    _submit(page)


def _link_problem(page, origin):
    page.goto(f"{origin}/download/onbekend")


def _confirm_unknown(page, origin):
    page.goto(f"{origin}/bevestig/onbekend")


def _privacy(page, origin):
    page.goto(f"{origin}/privacy")


def _not_found(page, origin):
    page.goto(f"{origin}/bestaat-niet")


def _embed_ebook(page, origin):
    page.goto(f"{origin}/embed/ebook")


def _embed_ebook_errors(page, origin):
    page.goto(f"{origin}/embed/ebook")
    _submit(page)


def _embed_ebook_thanks(page, origin):
    page.goto(f"{origin}/embed/ebook")
    _fill_ebook(page)
    _submit(page)


def _embed_advies(page, origin):
    page.goto(f"{origin}/embed/advies")


def _embed_advies_errors(page, origin):
    page.goto(f"{origin}/embed/advies")
    page.fill("#phone", "123")
    _submit(page)


def _embed_advies_thanks(page, origin):
    page.goto(f"{origin}/embed/advies")
    _fill_advies(page)
    _submit(page)


def _english_landing(page, origin):
    page.goto(f"{origin}/?lang=en")


def _english_ebook_errors(page, origin):
    page.goto(f"{origin}/ebook?lang=en")
    _submit(page)


PAGES = {
    "landing": _landing,
    "ebook": _ebook,
    "ebook-errors": _ebook_errors,
    "ebook-thanks": _ebook_thanks,
    "advies": _advies,
    "advies-errors": _advies_errors,
    "advies-thanks": _advies_thanks,
    "resend": _resend,
    "resend-errors": _resend_errors,
    "resend-sent": _resend_sent,
    "link-problem": _link_problem,
    "confirm-unknown": _confirm_unknown,
    "privacy": _privacy,
    "not-found": _not_found,
    "embed-ebook": _embed_ebook,
    "embed-ebook-errors": _embed_ebook_errors,
    "embed-ebook-thanks": _embed_ebook_thanks,
    "embed-advies": _embed_advies,
    "embed-advies-errors": _embed_advies_errors,
    "embed-advies-thanks": _embed_advies_thanks,
    "en-landing": _english_landing,
    "en-ebook-errors": _english_ebook_errors,
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_public_page_is_accessible_and_fits(axe_page, axe_source, live, screenshot, name, width):
    axe_page.set_viewport_size(WIDTHS[width])
    PAGES[name](axe_page, live.origin)
    axe_page.wait_for_load_state("load")
    screenshot(axe_page, f"{name}-{width}")
    assert axe_violations(axe_page, axe_source) == []
    overflow = axe_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width} width"
