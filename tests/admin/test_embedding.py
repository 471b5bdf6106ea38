"""/admin/insluiten: everything staff need to put the forms on a blog."""

from __future__ import annotations

import html
import re

import pytest

from tests.factories import login

ADDRESS = "https://formulieren.praktijk.nl"
BLOGS = ["https://blog.praktijk.nl", "https://www.praktijk.nl"]


@pytest.fixture
def app(make_app):
    return make_app(LEADGEN_BASE_URL=ADDRESS, LEADGEN_EMBED_ORIGINS=BLOGS)


def page_text(staff_client, path: str = "/admin/insluiten") -> str:
    response = staff_client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    return response.get_data(as_text=True)


def codes(page: str) -> dict[str, str]:
    """Each snippet to copy, by its element id, as the reader sees (and copies) it."""
    found = re.findall(r'<code id="([\w-]+)">(.*?)</code>', page, re.DOTALL)
    return {key: html.unescape(text) for key, text in found}


def test_strangers_are_sent_to_the_login_page(client):
    response = client.get("/admin/insluiten")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_each_form_has_its_shortcode_script_and_placeholder_with_our_address(staff_client):
    snippets = codes(page_text(staff_client))
    assert snippets["snippet-ebook-shortcode"] == '[leadgen form="ebook"]'
    assert snippets["snippet-advies-shortcode"] == '[leadgen form="advies"]'
    assert snippets["snippet-ebook-script"] == (
        f'<script src="{ADDRESS}/embed.js" data-form="ebook" async></script>\n'
        f'<noscript><a href="{ADDRESS}/ebook">Vraag het gratis e-book aan</a></noscript>'
    )
    assert snippets["snippet-advies-placeholder"] == (
        f'<div data-leadgen-form="advies"><a href="{ADDRESS}/advies">'
        "Vraag een gratis adviesgesprek of pijncheck aan</a></div>"
    )
    assert snippets["snippet-theme"] == f'<script src="{ADDRESS}/embed.js" async></script>'


def test_every_snippet_has_a_copy_button_that_the_script_reveals(staff_client):
    page = page_text(staff_client)
    targets = re.findall(r'<button type="button"[^>]* data-copy="([\w-]+)" hidden', page)
    assert sorted(targets) == sorted(codes(page))
    assert len(targets) == 7
    assert '<script src="/static/copy.js' in page
    assert "<script>" not in page  # no inline script: the CSP would refuse it


def test_the_page_lists_the_allowed_blogs_and_what_to_do_when_one_is_missing(staff_client):
    page = page_text(staff_client)
    for origin in BLOGS:
        assert f"<li><code>{origin}</code></li>" in page
    assert "LEADGEN_EMBED_ORIGINS=https://blog.praktijk.nl,https://www.praktijk.nl," in page
    assert "Met en zonder www zijn twee verschillende adressen." in page


def test_without_allowed_blogs_the_page_warns(make_app, client, staff):
    app = make_app(LEADGEN_EMBED_ORIGINS=[])
    with app.test_client() as own:
        assert login(own, staff.email).status_code == 303
        page = own.get("/admin/insluiten").get_data(as_text=True)
    assert "Nog geen enkele website" in page


def test_the_plugin_download_and_a_live_preview_of_each_form(staff_client):
    page = page_text(staff_client)
    assert 'href="/embed/wordpress/leadgen.zip" download' in page
    for form in ("ebook", "advies"):
        preview = re.search(
            rf'<iframe class="embed-preview[^"]*" src="(/embed/{form}\?lang=nl)"', page
        )
        assert preview, form
        assert staff_client.get(preview.group(1)).status_code == 200


def test_the_page_is_in_the_admin_menu_and_in_english_too(staff_client):
    page = page_text(staff_client, "/admin/leads")
    assert '<a href="/admin/insluiten">Insluiten</a>' in page
    english = page_text(staff_client, "/admin/insluiten?lang=en")
    assert "Which websites may show the forms" in english
    assert 'src="/embed/ebook?lang=en"' in english
    assert "Vraag het gratis e-book aan" in english  # the snippets stay in the blog's language
