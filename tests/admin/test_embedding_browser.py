"""/admin/insluiten in Chromium: the copy buttons copy, and the preview shows the form."""

from __future__ import annotations

import pytest

from tests.browser import BLOCK_THIRD_PARTY_COOKIES, launch
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_copy_buttons_put_the_snippet_on_the_clipboard(browser, page, live, staff, screenshot):
    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.origin)
    page.goto(f"{live.origin}/admin/login")
    page.get_by_label("E-mailadres").fill(staff.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Insluiten").click()
    page.get_by_role("heading", name="Formulieren op de blog zetten").wait_for()

    button = page.locator("button[data-copy='snippet-ebook-shortcode']")
    # The script reveals the buttons it can serve, once it has run: the heading is there before
    # it, so an immediate look raced it (it lost once under CI's load). Fails if it never does.
    button.wait_for(state="visible", timeout=10_000)
    button.click()
    page.get_by_role("status").filter(has_text="Gekopieerd.").wait_for()
    assert button.inner_text() == "Gekopieerd."  # where the eye is, for a moment
    button.get_by_text("Kopiëren").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == '[leadgen form="ebook"]'

    page.locator("button[data-copy='snippet-advies-script']").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f'<script src="{live.app.config["LEADGEN_BASE_URL"]}/embed.js"')
    assert 'data-form="advies"' in copied and copied.endswith("</noscript>")

    preview = page.frame_locator("iframe.embed-preview--ebook")
    preview.get_by_role("heading", name="Gratis e-book: train je gluteus medius").wait_for()
    screenshot(page, "admin-insluiten")


def test_without_javascript_the_buttons_stay_hidden_and_the_text_is_there(
    playwright_instance, live, staff, tmp_path
):
    context = launch(
        playwright_instance, tmp_path / "nojs", BLOCK_THIRD_PARTY_COOKIES, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"{live.origin}/admin/login")
        page.get_by_label("E-mailadres").fill(staff.email)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.goto(f"{live.origin}/admin/insluiten")
        assert page.locator("#snippet-ebook-shortcode").inner_text() == '[leadgen form="ebook"]'
        assert page.locator("button[data-copy]").first.is_hidden()
        assert page.get_by_role("link", name="Download de plugin (leadgen.zip)").is_visible()
    finally:
        context.close()
